"""The people of one replication and the pager between them: who is free, who is answering which page, who is
working which incident.

Paging works as on-call tools do it:

- A page notifies the people on call at its first level. With `notify: all` each of them is notified; with
  `notify: one` (a pool, the shorthand's first level) one free person is, the one free longest.
- A notified person who is free answers after their acknowledgement delay, unless they miss the page. One who
  is busy (working an incident, or answering another page) has it waiting in their inbox, and answers it when
  free, the most severe first. A pool page nobody could take waits in the level's queue for the next person
  of that level to be free or to come on call.
- After the level's timeout without acknowledgement the next level is notified too, and everyone notified so
  far can still answer: the first to acknowledge takes the incident, and the others are free again at once.
  After the last level the policy starts over `repeat` times; then the page waits for anyone notified.
- Nobody works two incidents at once. A person who missed a page is free for the next one.
- Severity orders every wait: a SEV1 is answered before a SEV3 that waited longer. With preemption, a page of
  a `by` severity that finds nobody free takes a person working an incident of an `of` severity (the least
  severe, the one they took up last); that incident waits for someone free and then resumes.
- With `mobilise`, a page of those severities that finds nobody free in the first level notifies the next
  level at once.
"""

from __future__ import annotations

import heapq
from functools import partial
from itertools import count
from math import inf
from typing import TYPE_CHECKING, Any

from simpy import Event

from simulator.dice import ring_address
from simulator.engine.clock import ACKNOWLEDGE, COME_ON_CALL, ESCALATE, Wait

if TYPE_CHECKING:
    from simulator.engine.incident import Incident
    from simulator.engine.world import World


FIRST_LEVEL = {"level": 1}
"""The detail of every first page (details are shared between events: nothing changes them once logged)."""


class Person:
    """Someone who can be paged: free, answering a page (`ringing`), or working an incident (`working`)."""

    __slots__ = ("away", "free_since", "inbox", "index", "name", "ringing", "working")

    def __init__(self, index: int, name: str):
        self.index, self.name = index, name
        self.away = False  # cannot be reached (a drill's inject): misses every page
        self.working: Incident | None = None
        self.ringing: Ring | None = None
        self.inbox: list = []  # heap of (rank, opened, page seq, push, page, level, slot, notified)
        self.free_since = 0.0

    @property
    def free(self) -> bool:
        return self.working is None and self.ringing is None


class Page:
    """An incident's call for a responder: the first when it is declared, another to resume after a preemption
    or a reopening. A resume is not a cold page: it goes to one free person of the first level, who knows the
    incident and takes it up (it is never missed, and it has no timeout to escalate on).

    When nothing can change who answers it first (the people it reached directly, none of whom misses it, and
    the first of them answering before the next level's timeout), `certain` is that ring: the incident waits
    for it without timers. Otherwise `acknowledged` is the event that succeeds with the ring that answers."""

    __slots__ = ("acknowledged", "certain", "incident", "level", "live", "number", "opened", "rank", "repeat",
                 "resume", "rings", "seq", "waiting")

    def __init__(self, incident: Incident, number: int, opened: float, seq: int, resume: bool = False):
        self.incident, self.number, self.opened, self.seq = incident, number, opened, seq
        self.rank = incident.rank
        self.acknowledged: Event | None = None
        self.certain: Ring | None = None
        self.waiting = 0  # notifications in inboxes and queues
        self.live = True
        self.level = 0
        self.repeat = 0
        self.resume = resume
        self.rings: list[Ring] = []


class Ring:
    """A page reaching one person, who answers it at `answer_at` unless they miss it or someone is faster.
    `notified` is when the page was meant for them (or for their level's queue): they were busy, or nobody was
    on call, from then until `started`."""

    __slots__ = ("answer_at", "level", "live", "notified", "page", "person", "reported", "slot", "started")

    def __init__(self, page: Page, person: Person, level: int, slot: int, started: float, notified: float):
        self.page, self.person, self.level, self.slot = page, person, level, slot
        self.started, self.notified = started, notified
        self.live = True
        self.reported = False  # page_missed logged for it
        self.answer_at = inf


class Roster:
    """Everyone of one replication, the pager's queues, and the rules of paging above."""

    def __init__(self, world: World):
        self.world = world
        self.env = world.env
        rules = world.rules
        self.rules = rules
        self.oncall = rules.oncall
        self.people = [Person(i, name) for i, name in enumerate(self.oncall.names)]
        self.queues: list[list] = [[] for _ in rules.levels]  # per level: (rank, opened, seq, push, page, notified)
        self.wakes: list[float] = [inf for _ in rules.levels]
        self.seq = count()
        self.pushes = count()  # a unique last word for heap entries, so that pages themselves are never compared
        self._held: list[Ring] | None = None  # rings of the page being opened, whose timers wait for open()
        self._pages: list[Page] = []  # every page opened, let go of by stop()
        self._opening: Page | None = None

    def stop(self) -> None:
        """The replication has ended: let go of the pages and rings still held (see World.stop)."""
        for person in self.people:
            person.ringing = person.working = None
            person.inbox.clear()
        for queue in self.queues:
            queue.clear()
        for page in self._pages:  # a page and its rings refer to one another
            page.rings.clear()
            page.certain = page.acknowledged = None
        self._pages.clear()
        del self.world

    # ── Pages ──

    def open(self, incident: Incident, resume: bool = False) -> Page:
        """Page for `incident`: either `page.certain` is the ring that will answer it, or `page.acknowledged`
        succeeds with the ring that does."""
        env = self.env
        page = Page(incident, incident.pages, env.now, next(self.seq), resume)
        self._pages.append(page)
        incident.pages += 1
        if self.world.person_decides:
            incident.page = page  # its Incident Commander may escalate it (escalate)
        if not resume:
            self.world.record(incident, "paged", "pager", FIRST_LEVEL)
        crowded = (incident.rank in self.rules.mobilise and len(self.rules.levels) > 1 and not resume
                   and not self._anyone_free(0))
        held: list[Ring] = []
        self._opening = page
        self._held = held
        self._notify(page, 0)
        self._opening = self._held = None
        if not crowded and self.world.automatic and not page.waiting:
            if len(held) == 1:  # most pages reach one person first
                first = held[0] if held[0].live else None
            else:
                first = min((ring for ring in held if ring.live), key=lambda ring: ring.answer_at, default=None)
            if first is not None and (resume or self._last_chance(page, first.answer_at - env.now)):
                page.certain = first
                return page
        page.acknowledged = Event(env)
        for ring in held:
            if ring.live:
                self._start(ring)
        if not resume:
            if crowded:
                self._escalate_to(page, 1, mobilised=True)
            self._arm(page)
        return page

    def _last_chance(self, page: Page, delay: float) -> bool:
        """Whether an answer `delay` after the page comes before the first level's timeout (or there is none)."""
        if len(self.rules.levels) == 1 and self.rules.repeat == 0:
            return True
        return delay <= self.rules.levels[0].after

    def answer(self, ring: Ring) -> None:
        """The certain ring of a page answers it now."""
        self._answered(ring)

    def _start(self, ring: Ring) -> None:
        Wait(self.env, ring.answer_at - self.env.now, ACKNOWLEDGE, ring.page.incident.number).callbacks.append(
            partial(self._answered, ring))

    def _arm(self, page: Page) -> None:
        """Start the timeout of the page's current level."""
        if len(self.rules.levels) == 1 and self.rules.repeat == 0:
            return
        after = self.world.escalate_after(page.incident, page.level)
        Wait(self.env, after, ESCALATE, page.incident.number).callbacks.append(
            partial(self._timeout, page, page.level, page.repeat))

    def _timeout(self, page: Page, level: int, repeat: int, _event: Event | None = None) -> None:
        if not page.live or (page.level, page.repeat) != (level, repeat):
            return
        last = len(self.rules.levels) - 1
        if level < last:
            self._escalate_to(page, level + 1)
        elif repeat < self.rules.repeat:
            self._report_missed(page)
            page.repeat += 1
            page.level = 0
            self.world.record(page.incident, "escalated", "pager", {"level": 1, "repeat": page.repeat,
                                                                   "to": self._names(0)})
            self._notify(page, 0)
        else:
            self._report_missed(page)
            return
        if page.live:
            self._arm(page)

    def _escalate_to(self, page: Page, level: int, mobilised: bool = False, actor: str = "pager") -> None:
        self._report_missed(page)
        page.level = level
        detail = {"level": level + 1, "to": self._names(level)}
        if mobilised:
            detail["mobilised"] = True
        self.world.record(page.incident, "escalated", actor, detail)
        self._notify(page, level)

    def escalate(self, incident: Incident, mobilise: bool = False) -> bool:
        """A drill: the Incident Commander escalates the incident's unanswered page now, to the next level, or
        to every level left (mobilise). Everyone notified so far can still answer. False when there is no
        unanswered page or no level left."""
        page = incident.page
        last = len(self.rules.levels) - 1
        if page is None or not page.live or page.resume or page.level >= last:
            return False
        for level in range(page.level + 1, last + 1 if mobilise else page.level + 2):
            self._escalate_to(page, level, mobilised=mobilise, actor="Incident Commander")
            if not page.live:
                return True
        self._arm(page)
        return True

    def away(self, person: Person) -> None:
        """A drill: `person` cannot be reached from now on; a page ringing them goes unanswered."""
        person.away = True
        ring = person.ringing
        if ring is not None:
            ring.live = False
            person.ringing = None

    def _report_missed(self, page: Page) -> None:
        for ring in page.rings:
            if not ring.reported:
                ring.reported = True
                self.world.record(page.incident, "page_missed", ring.person.name, {"level": ring.level + 1})

    def _names(self, level: int) -> list[str]:
        return [self.people[i].name for i in self.oncall.at(level, self.env.now)]

    def _anyone_free(self, level: int) -> bool:
        return any(self.people[i].free for i in self.oncall.at(level, self.env.now))

    def _notify(self, page: Page, level: int) -> None:
        """Notify the people on call at `level`: ring the free, queue for the busy, preempt if allowed."""
        members = self.oncall.at(level, self.env.now)
        people = self.people
        if self.rules.levels[level].notify == "one" or page.resume:
            free = [people[i] for i in members if people[i].free and not (page.resume and people[i].away)]
            if free:
                self._ring(page, min(free, key=lambda p: p.free_since), level, 0)
                return
            victim = self._victim(page, members)
            if victim is not None:
                self._preempt(victim, page)
                self._ring(page, victim, level, 0)
                return
            self._queue(page, level)
            return
        if not members:
            self._queue(page, level)
            return
        rang = False
        for slot, i in enumerate(members):
            person = people[i]
            if person.ringing is not None and person.ringing.page is page:
                continue  # answering it already (a repeat reaches them again)
            if person.free:
                self._ring(page, person, level, slot)
                rang = True
            else:
                page.waiting += 1
                heapq.heappush(person.inbox, (page.rank, page.opened, page.seq, next(self.pushes), page, level,
                                              slot, self.env.now))
        if not rang and page.live:
            victim = self._victim(page, members)
            if victim is not None:
                self._preempt(victim, page)
                self._ring(page, victim, level, members.index(victim.index))

    def _queue(self, page: Page, level: int) -> None:
        page.waiting += 1
        heapq.heappush(self.queues[level], (page.rank, page.opened, page.seq, next(self.pushes), page,
                                            self.env.now))
        self._wake_later(level)

    def _ring(self, page: Page, person: Person, level: int, slot: int, notified: float | None = None) -> None:
        """The page reaches a free person: they miss it, or answer it after their acknowledgement delay."""
        world, env = self.world, self.env
        now = env.now
        incident = page.incident
        ring = Ring(page, person, level, slot, now, now if notified is None else notified)
        page.rings.append(ring)
        period = self.oncall.period(person.index, now)
        detail: dict[str, Any] = {"level": level + 1, "waited": now - ring.notified}
        if world.rules.by_hour:
            detail["period"] = period
        if page.resume:
            detail["resume"] = True
        world.record_at(now, incident, "page_delivered", person.name, detail)
        purpose, index = ring_address(page.number, page.repeat, level, slot)
        rules = self.rules.levels[level]
        if person.away or (not page.resume and incident.dice.u(purpose, index) < rules.miss):
            ring.live = False
            self._take_next(person)
            return
        person.ringing = ring
        ring.answer_at = now + rules.acknowledge[period](incident.dice.u(purpose, index + 1))
        held = self._held
        if page is self._opening and held is not None:
            held.append(ring)  # open() decides whether it needs a timer
        else:
            self._start(ring)

    def _answered(self, ring: Ring, _event: Event | None = None) -> None:
        if not ring.live or not ring.page.live:
            return
        page, person = ring.page, ring.person
        page.live = False
        ring.reported = True
        person.ringing = None
        person.working = page.incident
        for other in page.rings:
            if other is not ring and other.live:
                other.live = False
                if other.person.ringing is other:
                    other.person.ringing = None
                    other.person.free_since = self.env.now
                    self._take_next(other.person)
        if page.acknowledged is not None:
            page.acknowledged.succeed(ring)

    # ── Preemption ──

    def _victim(self, page: Page, members) -> Person | None:
        """Whom a page of a preempting severity may take: working the least severe preemptible incident."""
        rules = self.rules
        if page.rank not in rules.preempt_by:
            return None
        best, best_key = None, None
        for i in members:
            person = self.people[i]
            incident = person.working
            if (incident is None or incident.rank not in rules.preempt_of or incident.rank <= page.rank
                    or incident.responder != i or not incident.preemptible
                    or incident.since.get(i, 0.0) > self.env.now):  # not yet answered: still being paged
                continue
            key = (incident.rank, incident.since.get(i, 0.0))
            if best_key is None or key > best_key:
                best, best_key = person, key
        return best

    def _preempt(self, person: Person, page: Page) -> None:
        incident = person.working
        assert incident is not None  # a victim works an incident
        self.world.preempt(incident, person, page.incident)

    # ── People becoming free ──

    def release(self, person: Person) -> None:
        """The person stops working their incident and is free for the next page."""
        person.working = None
        person.free_since = self.env.now
        self._take_next(person)

    def _take_next(self, person: Person) -> None:
        """A free person answers the most severe page waiting for them (in their inbox, or in the queue of a
        level they are on call at), the longest-waiting first."""
        if not person.free:
            return
        inbox = person.inbox
        while inbox and not inbox[0][4].live:
            heapq.heappop(inbox)
        best, source, level = (inbox[0], inbox, -1) if inbox else (None, None, -1)
        now = self.env.now
        for number, queue in enumerate(self.queues):
            while queue and not queue[0][4].live:
                heapq.heappop(queue)
            if queue and (best is None or queue[0][:4] < best[:4]) and person.index in self.oncall.at(number, now):
                best, source, level = queue[0], queue, number
        if best is None or source is None:
            return
        heapq.heappop(source)
        if level < 0:  # from the inbox: the level and place the person was notified at
            self._ring(best[4], person, best[5], best[6], best[7])
        else:
            self._ring(best[4], person, level, 0, best[5])

    def _wake_later(self, level: int) -> None:
        """When nobody on call at `level` can take its queue now, look again when the next person comes on."""
        at = self.oncall.next_change(level, self.env.now)
        if at >= self.rules.horizon or at >= self.wakes[level]:
            return
        self.wakes[level] = at
        wake = Wait(self.env, at - self.env.now, COME_ON_CALL, level)
        wake.callbacks.append(partial(self._wake, level))

    def _wake(self, level: int, _event: Event | None = None) -> None:
        self.wakes[level] = inf
        for i in self.oncall.at(level, self.env.now):
            self._take_next(self.people[i])
        queue = self.queues[level]
        while queue and not queue[0][4].live:
            heapq.heappop(queue)
        if queue:
            self._wake_later(level)
