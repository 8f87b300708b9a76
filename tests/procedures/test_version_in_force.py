"""The version in force for a date: the latest effective one, then the latest published, then the latest id."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from procedures.models import CatalogueVersion
from procedures.selectors import NoCatalogue, catalogue_version_in_force

pytestmark = pytest.mark.django_db

FAR = date(2190, 4, 1)


def version(tag: str, effective_from: date, published_at: datetime) -> CatalogueVersion:
    return CatalogueVersion.objects.create(
        content_hash=tag * 64, effective_from=effective_from, municipality="mirai", published_at=published_at
    )


def test_the_latest_effective_then_published_then_created_version_is_in_force():
    noon = datetime(2190, 1, 5, 12, 0, tzinfo=timezone.get_current_timezone())
    older = version("a", FAR, noon)
    later = version("b", FAR, noon + timedelta(hours=1))
    tie = version("c", FAR, noon + timedelta(hours=1))  # same date and time: the later id wins
    future = version("d", FAR + timedelta(days=1), noon - timedelta(days=1))
    assert catalogue_version_in_force(on=FAR - timedelta(days=1)).effective_from < FAR
    assert catalogue_version_in_force(on=FAR) == tie
    assert catalogue_version_in_force(on=FAR + timedelta(days=1)) == future
    tie.delete()
    assert catalogue_version_in_force(on=FAR) == later
    later.delete()
    assert catalogue_version_in_force(on=FAR) == older


def test_the_version_in_force_is_the_stored_row_field_by_field():
    stored = version("e", FAR, datetime(2190, 1, 5, 3, 4, 5, 678000, tzinfo=timezone.get_current_timezone()))
    found = catalogue_version_in_force(on=FAR)
    fresh = CatalogueVersion.objects.get(pk=stored.pk)
    for field in ("id", "content_hash", "effective_from", "municipality", "published_at"):
        assert getattr(found, field) == getattr(fresh, field), field
    assert timezone.is_aware(found.published_at)
    found.municipality = "changed"
    found.save(update_fields=["municipality"])  # an instance the ORM can use as any other
    assert CatalogueVersion.objects.get(pk=stored.pk).municipality == "changed"


def test_no_version_in_force_before_the_first():
    with pytest.raises(NoCatalogue):
        catalogue_version_in_force(on=date(1901, 1, 1))
