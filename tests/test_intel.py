"""Agencies' intel logs and the sharing rule: who sees what, when, and who gets an alert."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.intel import IntelExchange
from sim.scenario import Agencies, Agency


def exchange(sharing: str, share_fraction: float = 1.0, latency: float = 72.0) -> IntelExchange:
    config = Agencies(
        members=[Agency(name="border_patrol"), Agency(name="police")],
        sharing=sharing,
        sharing_latency_hours=latency,
        share_fraction=share_fraction,
    )
    return IntelExchange(config, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("sharing", "seen_at_once", "seen_after_latency"),
    [("none", False, False), ("delayed", False, True), ("full", True, True)],
)
def test_visibility_of_another_agencys_entries(sharing, seen_at_once, seen_after_latency):
    intel = exchange(sharing)
    intel.log(10.0, "border_patrol", "detection", 5.0, 6.0, network_id=1)
    points_now, _ = intel.visible_points("police", now_h=10.0)
    points_later, ages = intel.visible_points("police", now_h=10.0 + 72.0)
    assert (len(points_now) == 1) is seen_at_once
    assert (len(points_later) == 1) is seen_after_latency
    if seen_after_latency:
        assert points_later[0].tolist() == [5.0, 6.0] and ages[0] == 72.0
    own, _ = intel.visible_points("border_patrol", now_h=10.0)
    assert len(own) == 1, "an agency always sees its own entries"


def test_share_fraction_limits_what_can_be_shared():
    intel = exchange("full", share_fraction=0.3)
    for i in range(2000):
        intel.log(float(i), "border_patrol", "detection", 1.0, 1.0, network_id=0)
    seen, _ = intel.visible_points("police", now_h=2000.0)
    share = len(seen) / 2000
    assert abs(share - 0.3) < 3 * np.sqrt(0.3 * 0.7 / 2000), f"shared share {share:.3f}, expected 0.3"


def test_alerts_reach_other_agencies_only_with_full_sharing():
    assert exchange("none").alert_receivers("border_patrol") == ["border_patrol"]
    assert exchange("delayed").alert_receivers("border_patrol") == ["border_patrol"]
    assert sorted(exchange("full").alert_receivers("border_patrol")) == ["border_patrol", "police"]


def test_investigators_see_more_records_about_a_member_with_sharing():
    """An interdiction makes a place record linked to the guide; another agency's arrest of the same member makes
    identity and phone records; a third member's records are not linked to them."""
    counts = {}
    for sharing in ("none", "full"):
        intel = exchange(sharing)
        intel.log(0.0, "border_patrol", "interdiction", 1.0, 1.0, network_id=4, member_id=7)
        intel.log(1.0, "police", "arrest", 2.0, 2.0, network_id=4, member_id=7)
        intel.log(2.0, "police", "arrest", 2.0, 2.0, network_id=5, member_id=8)
        counts[sharing] = intel.linked_records("border_patrol", 7, now_h=3.0)
    assert counts == {"none": 1, "full": 3}


def test_old_entries_are_pruned_for_targeting_but_counted():
    intel = exchange("full")
    intel.log(0.0, "police", "detection", 1.0, 1.0, network_id=0)
    intel.prune(now_h=31 * 24.0)
    assert len(intel.visible_points("police", now_h=31 * 24.0)[0]) == 0
    assert intel.agencies["police"].detections == 1


def test_finds_at_a_port_are_evidence_but_do_not_draw_patrols_to_the_port():
    intel = exchange("full")
    intel.log(0.0, "police", "detection", 30.0, 8.0, network_id=2, at_port=True, member_id=5, vehicle=True)
    intel.log(0.0, "police", "interdiction", 30.0, 8.0, network_id=2, at_port=True, member_id=5, vehicle=True)
    intel.log(1.0, "police", "detection", 12.0, 7.0, network_id=2, member_id=5)
    for viewer in ("police", "border_patrol"):
        points, _ = intel.visible_points(viewer, now_h=2.0)
        assert points.tolist() == [[12.0, 7.0]]
        assert intel.linked_records(viewer, 5, now_h=2.0) == 5, "two places and vehicles at the port, one place"
