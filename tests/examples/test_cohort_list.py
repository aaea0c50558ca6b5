import requests


def test_a_cohort_lands_in_a_list(infobip):
    # Code under test calls Infobip with plain requests; the fixture answers in process.
    url = "https://api.infobip.com/saas/amplitude/1/lists"
    created = requests.post(url, json={"name": "[Amplitude] Churn risk: 8812"}, headers=infobip.headers)
    list_id = created.json()["listId"]

    infobip.clock.advance(10)  # the add endpoint allows one call per 10 s per key
    added = requests.post(
        f"{url}/{list_id}/add",
        headers=infobip.headers,
        json={"userIds": ["ann@example.com", "invalid_mail.com"]},
    )

    assert added.json() == {
        "modifiedCount": 0,
        "createdCount": 1,
        "errors": {"count": 1, "failed": {"VALIDATION_ERROR": ["invalid_mail.com"]}},
    }
    assert infobip.members(list_id) == ["ann@example.com"]
