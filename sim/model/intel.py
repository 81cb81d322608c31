"""Agencies, their intelligence logs and records, and the rules by which what they know flows.

Each agency logs its own detections, interdictions and arrests (:class:`IntelEntry`: where and when,
which network), and keeps the *records* these events produce (:class:`Record`), which belong to it:

- at a detection or an interdiction, a *place* record linked to the group's guide (and a *vehicle*
  record when the group travelled hidden in a vehicle);
- at an arrest, the member's *identity* (biometric with ``agencies.biometric_capture_share``) and the
  *phone* seized;
- at screening, the identity of every apprehended person: a *victim* record for an identified victim,
  a *crosser* record for the others (a repeat crosser is recognised by it).

What another agency can see depends on ``agencies.sharing`` and, across the border, on
``agencies.cooperation``:

- ``none``: only its own entries and records;
- ``delayed``: others' once they are ``sharing_latency_hours`` old (batch reports);
- ``full``: others' at once, and sensor alerts reach every agency's patrols.

``share_fraction`` is the share of events whose entry and records may be shared at all (privacy and
legal limits), drawn once per event. Agencies belong to jurisdictions (``national`` or ``foreign``): an
entry or record crosses to the other jurisdiction only under a cooperation lever (``treaty`` or
``joint_team``), after that lever's delay on top of the sharing latency; real-time alerts cross only in a
joint team. Records are deleted ``retention_days`` after they were made, for everyone.

Identity matching. A search (a screened person, an arrested member, a traveller at a port's secondary
inspection) compares the person with every identity record the searching agency can see: records of
the same person are found (a repeat crosser, a victim identified before, a repeat offender), and each
record of someone else matches wrongly with the false-match rate of its kind (biometric or by name). A
false match with an arrested trafficker's record puts an innocent person under suspicion and in detention.

Sharing acts through mechanisms elsewhere: alert routing (:meth:`IntelExchange.alert_receivers`), hotspot
and randomized patrol targeting (:meth:`IntelExchange.visible_points`), recognition at screening and
arrest (:meth:`IntelExchange.search`), evidence on cases and investigations
(:meth:`IntelExchange.linked_records`), and false matches (:meth:`IntelExchange.search`,
:meth:`IntelExchange.screen_travellers`).
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sim.scenario import Agencies

#: Record kinds linked to a network member (the member is the record's subject).
MEMBER_KINDS = ("identity", "phone", "place", "vehicle")
#: Record kinds that identify a person, searched by identity matching.
IDENTITY_KINDS = ("identity", "victim", "crosser")


@dataclass
class IntelEntry:
    time_h: float
    agency: str
    kind: str  # detection | interdiction | arrest
    x_km: float
    y_km: float
    network_id: int
    shareable: bool
    at_port: bool = False  # a find at a port of entry: evidence, but no guide for patrols between ports


@dataclass(slots=True, eq=False)
class Record:
    """One record an agency holds: what it identifies (``kind``), about whom (``subject``: the unique id of a
    network member or of a person taken across), when it was made, and whether it may be shared."""

    time_h: float
    agency: str
    kind: str  # identity | phone | place | vehicle (about a member); victim | crosser (about a person)
    subject: int
    network_id: int
    shareable: bool
    biometric: bool = False


@dataclass(frozen=True)
class Search:
    """The result of an identity search: the subject's own records found, and any false match.

    ``false_match`` is the kind of someone else's record that matched wrongly: ``offender`` (an arrested
    member's identity), ``person`` (a victim or crosser record), or ``""`` for none.
    """

    matches: list[Record]
    false_match: str = ""


@dataclass
class Agency:
    """A law-enforcement agency: owns patrols, sensors and checkpoints, keeps an intel log and its records."""

    name: str
    investigators: int
    jurisdiction: str
    entries: list[IntelEntry] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    arrests: int = 0
    detections: int = 0


class IntelExchange:
    """All agencies of a model and the rules by which their intel and records flow."""

    def __init__(self, config: Agencies, rng: np.random.Generator, travellers_rng: np.random.Generator | None = None):
        self.config = config
        #: Records made at events, sharing draws and searches; travellers screened at ports draw from their own
        #: stream, so that legitimate traffic leaves the traffickers' records untouched.
        self.rng = rng
        self.travellers_rng = travellers_rng if travellers_rng is not None else rng
        self.agencies = {
            a.name: Agency(name=a.name, investigators=a.investigators, jurisdiction=a.jurisdiction)
            for a in config.members
        }
        self._all: list[IntelEntry] = []
        self.retention_h = 24.0 * config.retention_days
        names = list(self.agencies)
        #: Hours after which a shareable entry or record of ``owner`` becomes visible to ``viewer`` (None: never).
        self._delay = {(o, v): self._compute_delay(o, v) for o in names for v in names}
        self._reaches_others = {
            o: any(self._delay[o, v] is not None and self._delay[o, v] < self.retention_h for v in names if v != o)
            for o in names
        }
        self._by_member: dict[int, list[Record]] = {}
        self._by_person: dict[int, list[Record]] = {}
        # Identity records by owner and (offender, biometric, shareable): their times, sorted, for counting the
        # records a search compares with.
        self._gallery: dict[str, dict[tuple[bool, bool, bool], list[float]]] = {n: {} for n in names}
        #: Counts of records made and shared, and of false matches (measures ``records.*``).
        self.counts: Counter = Counter()
        #: Changes to the galleries (a record added, records deleted), and per agency the gallery sizes it sees and
        #: the chance a traveller matches an offender's record wrongly, with the gallery's changes they were counted
        #: at and the model time up to which they hold (:meth:`_gallery_sizes`).
        self._gallery_version = 0
        #: The time of the oldest record held (inf: none): :meth:`prune` looks for records to delete only once the
        #: retention has reached it.
        self._oldest_record_h = math.inf
        self._sizes_cache: dict[str, tuple[int, float, Counter]] = {}
        self._traveller_match_cache: dict[str, tuple[int, float, float]] = {}

    # -- rules ------------------------------------------------------------------------------------------
    @property
    def sharing(self) -> str:
        return self.config.sharing

    @property
    def cooperation_delay_days(self) -> float:
        """Delay of the cooperation lever (days): records crossing the border, and a cross-jurisdiction case's
        extra procedure. 0 without cooperation (nothing crosses then)."""
        c = self.config
        return {"treaty": c.treaty_delay_days, "joint_team": c.joint_team_delay_days}.get(c.cooperation, 0.0)

    @property
    def has_joint_team(self) -> bool:
        """A joint investigation team runs: cooperation is joint_team and agencies of both jurisdictions exist."""
        both = len({a.jurisdiction for a in self.agencies.values()}) > 1
        return both and self.config.cooperation == "joint_team"

    def foreign(self, a: str, b: str) -> bool:
        """Whether agencies ``a`` and ``b`` belong to different jurisdictions."""
        return self.agencies[a].jurisdiction != self.agencies[b].jurisdiction

    def _compute_delay(self, owner: str, viewer: str) -> float | None:
        if owner == viewer:
            return 0.0
        if self.sharing == "none":
            return None
        delay = 0.0 if self.sharing == "full" else self.config.sharing_latency_hours
        if self.foreign(owner, viewer):
            if self.config.cooperation == "none":
                return None
            delay += 24.0 * self.cooperation_delay_days
        return delay

    def delay_hours(self, owner: str, viewer: str) -> float | None:
        """Hours after which ``viewer`` sees a shareable entry or record of ``owner`` (0 for its own; None: never)."""
        return self._delay[owner, viewer]

    def _visible(self, viewer: str, owner: str, time_h: float, shareable: bool, now_h: float) -> bool:
        if now_h - time_h >= self.retention_h:
            return False  # deleted at the end of its retention
        if owner == viewer:
            return True
        delay = self._delay[owner, viewer]
        if not shareable or delay is None:
            return False
        return delay == 0.0 or now_h - time_h >= delay

    def can_see(self, viewer: str, entry: IntelEntry | Record, now_h: float) -> bool:
        """Whether ``viewer`` can use an entry or record now (its own within retention; others' by the rules)."""
        return self._visible(viewer, entry.agency, entry.time_h, entry.shareable, now_h)

    # -- the log ----------------------------------------------------------------------------------------
    def log(
        self,
        time_h: float,
        agency: str,
        kind: str,
        x_km: float,
        y_km: float,
        network_id: int,
        at_port: bool = False,
        member_id: int | None = None,
        vehicle: bool = False,
        rng: np.random.Generator | None = None,
    ) -> IntelEntry:
        """Log an event and make its records: a place (and vehicle) record linked to the member ``member_id``
        at a detection or interdiction, the member's identity and phone at an arrest. ``rng``: the records stream
        of whom the event is about (the group, the member arrested); the exchange's own by default."""
        rng = rng if rng is not None else self.rng
        # Draw whatever the sharing rule, so runs differing only in sharing stay on the same random stream.
        draw = rng.random()
        shareable = self.sharing != "none" and bool(draw < self.config.share_fraction)
        entry = IntelEntry(time_h, agency, kind, x_km, y_km, network_id, shareable, at_port)
        self.agencies[agency].entries.append(entry)
        if kind == "detection":
            self.agencies[agency].detections += 1
        elif kind == "arrest":
            self.agencies[agency].arrests += 1
        self._all.append(entry)
        if member_id is not None:
            if kind == "arrest":
                self.add_record(time_h, agency, "identity", member_id, network_id, shareable, self.draw_biometric(rng))
                self.add_record(time_h, agency, "phone", member_id, network_id, shareable)
            else:
                self.add_record(time_h, agency, "place", member_id, network_id, shareable)
                if vehicle:
                    self.add_record(time_h, agency, "vehicle", member_id, network_id, shareable)
        return entry

    def draw_biometric(self, rng: np.random.Generator | None = None) -> bool:
        """Whether an identity record is taken with biometrics (``biometric_capture_share``)."""
        return bool((rng if rng is not None else self.rng).random() < self.config.biometric_capture_share)

    def draw_shareable(self, rng: np.random.Generator | None = None) -> bool:
        """Whether a record made outside a logged event may be shared (``share_fraction``; drawn under every rule)."""
        draw = (rng if rng is not None else self.rng).random()
        return self.sharing != "none" and bool(draw < self.config.share_fraction)

    def add_record(
        self,
        time_h: float,
        agency: str,
        kind: str,
        subject: int,
        network_id: int,
        shareable: bool,
        biometric: bool = False,
    ) -> Record:
        """A record ``agency`` holds from now; indexed by its subject, and, for an identity, in the gallery."""
        record = Record(time_h, agency, kind, subject, network_id, shareable, biometric)
        self.agencies[agency].records.append(record)
        self._oldest_record_h = min(self._oldest_record_h, time_h)
        if kind in MEMBER_KINDS:
            self._by_member.setdefault(subject, []).append(record)
        if kind in IDENTITY_KINDS:
            self._by_person.setdefault(subject, []).append(record)
            insort(self._gallery[agency].setdefault((kind == "identity", biometric, shareable), []), time_h)
            self._gallery_version += 1
        self.counts["created"] += 1
        if shareable and self._reaches_others[agency]:
            self.counts["shared"] += 1
        return record

    def record_person(self, time_h: float, agency: str, person_id: int, network_id: int, victim: bool, shareable: bool):
        """The identity of a screened person: a victim record if identified as a victim, else a crosser record."""
        kind = "victim" if victim else "crosser"
        return self.add_record(time_h, agency, kind, person_id, network_id, shareable, self.draw_biometric())

    def prune(self, now_h: float) -> None:
        """Forget entries too old to guide patrols (they stay counted in the agency totals) and delete records
        at the end of their retention."""
        cutoff = now_h - min(self.config.intel_memory_hours, self.retention_h)
        if self._all and self._all[0].time_h < cutoff:
            self._all = [e for e in self._all if e.time_h >= cutoff]
        deleted = now_h - self.retention_h
        if deleted < self._oldest_record_h:
            return  # no record is old enough to delete
        for agency in self.agencies.values():
            if any(r.time_h <= deleted for r in agency.records):
                agency.records = [r for r in agency.records if r.time_h > deleted]
            for times in self._gallery[agency.name].values():
                del times[: bisect_right(times, deleted)]
        self._gallery_version += 1
        for index in (self._by_member, self._by_person):
            for subject in [s for s, rs in index.items() if any(r.time_h <= deleted for r in rs)]:
                kept = [r for r in index[subject] if r.time_h > deleted]
                if kept:
                    index[subject] = kept
                else:
                    del index[subject]
        self._oldest_record_h = min((r.time_h for a in self.agencies.values() for r in a.records), default=math.inf)

    def records(self) -> list[Record]:
        """Every record held now, by any agency (each belongs to exactly one)."""
        return [r for agency in self.agencies.values() for r in agency.records]

    # -- what an agency can see -------------------------------------------------------------------------
    def visible_points(self, viewer: str, now_h: float, kinds: tuple[str, ...] = ("detection", "interdiction")):
        """Positions (x_km, y_km) and ages (h) of entries ``viewer`` can use to guide patrols, as arrays.

        Finds at ports of entry are left out: they say where inspections happen, not where groups
        cross between ports, and would draw patrols to the port (they still count as evidence).
        """
        pts = [
            (e.x_km, e.y_km, now_h - e.time_h)
            for e in self._all
            if e.kind in kinds and not e.at_port and self.can_see(viewer, e, now_h)
        ]
        if not pts:
            return np.empty((0, 2)), np.empty(0)
        arr = np.asarray(pts)
        return arr[:, :2], arr[:, 2]

    def alert_receivers(self, owner: str, rng: np.random.Generator | None = None) -> list[str]:
        """Agencies whose patrols receive a real-time alert from ``owner``'s sensor or patrol: with full sharing,
        every agency of its jurisdiction, and the other jurisdiction's in a joint team. ``rng``: the records stream
        of the group seen (the exchange's own by default)."""
        draw = (rng if rng is not None else self.rng).random()  # drawn under every rule, as in :meth:`log`
        return self.receivers_given(owner, draw)

    def receivers_given(self, owner: str, draw: float) -> list[str]:
        """:meth:`alert_receivers` with its uniform draw given."""
        if self.sharing == "full" and draw < self.config.share_fraction:
            team = self.config.cooperation == "joint_team"
            return [a for a in self.agencies if team or not self.foreign(owner, a)]
        return [owner]

    def visible_linked(self, agency: str, member_id: int, now_h: float) -> list[Record]:
        """The records linked to a member (identity, phone, places, vehicles) that ``agency`` can see now."""
        return [r for r in self._by_member.get(member_id, ()) if self.can_see(agency, r, now_h)]

    def linked_records(self, agency: str, member_id: int, now_h: float) -> int:
        """How many records about a member (identity, phone, places and vehicles linked to them) ``agency`` can
        see now: its own, and others' under sharing, cooperation, latency, retention and share_fraction."""
        return len(self.visible_linked(agency, member_id, now_h))

    # -- identity matching ------------------------------------------------------------------------------
    def _gallery_sizes(self, agency: str, now_h: float) -> Counter:
        """Identity records ``agency`` can see now, by (offender, biometric): a new count, which the caller may change.

        The counts change only when a record is added or deleted, or as time passes when a record's retention ends or
        a record of another agency's comes out of its sharing delay: they are counted again then and kept until
        (:data:`_HOLD_MARGIN_H` before) the next such moment."""
        cached = self._sizes_cache.get(agency)
        if cached is not None and cached[0] == self._gallery_version and now_h < cached[1]:
            return Counter(cached[2])
        sizes: Counter = Counter()
        oldest = now_h - self.retention_h
        until = math.inf  # the first moment at which a record comes into view or leaves it
        for owner, lists in self._gallery.items():
            delay = self._delay[owner, agency]
            for (offender, biometric, shareable), times in lists.items():
                if owner != agency and (not shareable or delay is None):
                    continue
                newest = now_h - (delay if owner != agency else 0.0)
                low = bisect_right(times, oldest)
                high = len(times) if owner == agency or delay == 0.0 else bisect_right(times, newest)
                sizes[offender, biometric] += max(0, high - low)
                if low < len(times):
                    until = min(until, times[low] + self.retention_h)
                if high < len(times):
                    until = min(until, times[high] + delay)
        self._sizes_cache[agency] = (self._gallery_version, until - _HOLD_MARGIN_H, sizes)
        return Counter(sizes)

    def _no_false_match_log(self, sizes: Counter) -> tuple[float, float]:
        """log P(no false match) over the comparisons with ``sizes``, and the share of its hazard from offenders."""
        log_bio = _log_no_match(self.config.biometric_false_match_rate)
        log_name = _log_no_match(self.config.false_match_rate)
        terms = {key: n * (log_bio if key[1] else log_name) for key, n in sizes.items() if n > 0}
        total = sum(terms.values())
        offender = sum(v for (off, _), v in terms.items() if off)
        return total, (offender / total if total else 0.0)

    def search(
        self, agency: str, subject: int, now_h: float, site: str, rng: np.random.Generator | None = None
    ) -> Search:
        """Compare a person (or an arrested member) with every identity record ``agency`` can see now.

        Their own records are found; each comparison with someone else's record matches wrongly with the
        false-match rate of that record's kind. One uniform is drawn whatever the outcome, from ``rng`` (the
        records stream of the one searched; the exchange's own by default).
        """
        matches = [r for r in self._by_person.get(subject, ()) if self.can_see(agency, r, now_h)]
        sizes = self._gallery_sizes(agency, now_h)
        for r in matches:
            sizes[r.kind == "identity", r.biometric] -= 1
        log_none, offender_share = self._no_false_match_log(sizes)
        p_any = -math.expm1(log_none)
        u = (rng if rng is not None else self.rng).random()
        if u >= p_any:
            return Search(matches)
        self.counts["false_matches"] += 1
        self.counts[f"false_matches_at_{site}"] += 1
        kind = "offender" if u < p_any * offender_share else "person"
        return Search(matches, kind)

    def screen_travellers(self, agency: str, travellers: int, now_h: float) -> int:
        """Travellers at a port's secondary inspection checked against the traffickers' identity records
        ``agency`` can see: how many match one wrongly (each is detained until the error is cleared)."""
        if travellers <= 0:
            return 0
        cached = self._traveller_match_cache.get(agency)
        if cached is None or cached[0] != self._gallery_version or not now_h < cached[1]:
            sizes = self._gallery_sizes(agency, now_h)
            offenders = Counter({key: n for key, n in sizes.items() if key[0]})
            log_none, _ = self._no_false_match_log(offenders)
            version, until, _ = self._sizes_cache[agency]
            cached = self._traveller_match_cache[agency] = (version, until, -math.expm1(log_none))
        wrong = int(self.travellers_rng.binomial(travellers, cached[2]))
        self.counts["false_matches"] += wrong
        self.counts["false_matches_at_port"] += wrong
        self.counts["false_match_detentions"] += wrong
        return wrong

    def measures(self) -> dict[str, float]:
        """Counts for the outcomes: ``records.created``, ``records.shared``, ``records.held`` and false matches."""
        held = sum(len(a.records) for a in self.agencies.values())
        keys = ("created", "shared", "false_matches", "false_match_detentions")
        return {f"records.{k}": self.counts[k] for k in keys} | {"records.held": held}


#: Hours before the next moment a gallery's counts change up to which :meth:`IntelExchange._gallery_sizes` keeps them:
#: far above the rounding of model times, so the counts kept are those a count at that time would give.
_HOLD_MARGIN_H = 1e-6


def _log_no_match(rate: float) -> float:
    """log(1 - rate) of one comparison, floored at -50 so that a rate of 1 (every comparison matches) stays finite."""
    return max(-50.0, math.log1p(-rate)) if rate < 1.0 else -50.0
