import asyncio

import aiohttp


def test_aiohttp_session(infobip):
    async def create():
        async with (
            aiohttp.ClientSession(headers=infobip.headers) as session,
            session.post("https://api.infobip.com/saas/amplitude/1/lists", json={"name": "VIPs"}) as answer,
        ):
            return answer.status, await answer.json()

    status, body = asyncio.run(create())
    assert status == 200
    assert infobip.lists()[0]["listId"] == body["listId"]
