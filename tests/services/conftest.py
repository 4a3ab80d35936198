import pytest


@pytest.fixture(autouse=True)
def _norwegian_public_holidays(settings):
    # The test settings turn public holidays off for booking's tests; the directory's are about them.
    settings.PUBLIC_HOLIDAYS_COUNTRY = "NO"
