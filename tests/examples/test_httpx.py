import asyncio

import httpx
import pytest


def test_httpx_client(infobip):
    with httpx.Client(base_url="https://api.infobip.com", headers=infobip.headers) as client:
        sent = client.post(
            "/sms/3/messages",
            json={
                "messages": [
                    {"sender": "Shop", "destinations": [{"to": "41793026727"}], "content": {"text": "Hi"}}
                ]
            },
        )
    assert sent.status_code == 200
    assert infobip.messages()[0]["to"] == "41793026727"


def test_httpx_async_client_sees_a_dropped_connection(infobip):
    infobip.fault(path="/sms/1/reports", drop=True, times=1)

    async def pull():
        async with httpx.AsyncClient(headers=infobip.headers) as client:
            return await client.get("https://api.infobip.com/sms/1/reports")

    with pytest.raises(httpx.RemoteProtocolError):  # httpx's own error for a closed connection
        asyncio.run(pull())
    assert asyncio.run(pull()).json() == {"results": []}
