from mediation.cases.enums import State
from tests.conftest import login


def test_mediator_creates_and_accepts_a_case(client, users, make_case, drive):
    case = make_case()
    assert case.number.startswith("G1-")
    case = drive(case, "agreement")
    assert case.state == State.agreement
    login(client, users["mediator"])
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert "确认履行完毕" in page.get_data(as_text=True)
