async def test_healthz_answers_ok_with_the_database_reachable(anonymous):
    r = await anonymous.get("/healthz")

    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


async def test_rep_logs_in_and_sees_the_home_page_in_japanese(login, rep):
    client = await login(rep)

    r = await client.get("/")

    assert r.status_code == 200
    assert "パイプライン" in r.text and rep.name in r.text
