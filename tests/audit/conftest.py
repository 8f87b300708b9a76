import pytest
from audit_staff import log_in, make_staff


@pytest.fixture
def supervisor(db):
    return make_staff("sato.supervisor", "supervisor")


@pytest.fixture
def supervisor_client(client, supervisor):
    return log_in(client, supervisor)


@pytest.fixture
def clerk_client(client, db):
    return log_in(client, make_staff("suzuki.clerk", "clerk"))
