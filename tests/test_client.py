"""``stixhub.client`` is exactly the API of ``stixhub.taxii.client``, name for name."""

import stixhub.client as facade
import stixhub.taxii.client as package


def test_the_facade_exports_every_public_name_of_the_client_package() -> None:
    assert facade.__all__ == package.__all__
    assert "TaxiiClient" in facade.__all__
    for name in package.__all__:
        assert getattr(facade, name) is getattr(package, name)
