"""SimPy's private state that simulator.engine.clock relies on (and nothing else in the engine touches): if a
SimPy release changes it, this fails before any event log drifts."""

from heapq import heappush
from itertools import count

import simpy

from simulator.engine.clock import DECLARE, ONSET, WORK, At, Clock, Wait, begin, jump, now_of, unstarted


def test_the_environment_keeps_its_clock_queue_and_event_ids_where_clock_reads_them():
    env = simpy.Environment(initial_time=5.0)
    assert type(env._now) is float and env._now == env.now == now_of(env) == 5.0
    assert isinstance(env._queue, list) and env._queue == []
    assert isinstance(env._eid, count)
    env.timeout(1.0)
    time, _priority, eid, event = env._queue[0]  # a heap of (time, priority, event id, event)
    assert (time, eid) == (6.0, 0) and isinstance(event, simpy.events.Event)
    heappush(env._queue, (7.0, 0, next(env._eid), simpy.events.Event(env)))  # At pushes as schedule does
    assert [entry[2] for entry in env._queue] == [0, 1]


def test_schedule_takes_a_priority_and_a_delay_and_step_moves_now():
    env = simpy.Environment()
    seen = []
    for kind, number in ((DECLARE, 1), (WORK, 2), (ONSET, 3)):
        Wait(env, 2.0, kind, number).callbacks.append(lambda _e, n=number: seen.append((now_of(env), n)))
    At(env, 2.0, WORK, 1).callbacks.append(lambda _e: seen.append((now_of(env), "at")))
    env.run()
    assert seen == [(2.0, 3), (2.0, "at"), (2.0, 2), (2.0, 1)]  # by kind, then number, then as scheduled
    assert env._now == 2.0


def test_jump_moves_the_clock_only_when_nothing_comes_first():
    env = simpy.Environment()
    jump(env, 3.0)
    assert now_of(env) == env.now == 3.0
    Wait(env, 1.0, WORK, 1)
    try:
        jump(env, 10.0)
    except ValueError:
        pass
    else:
        raise AssertionError("jumped over a scheduled event")


def test_wait_refuses_real_negative_delays_and_takes_round_off_as_now():
    env = simpy.Environment()
    Wait(env, -2.8e-14, WORK, 1)  # a sum that should be now, a few ulps short
    assert env.peek() == 0.0
    try:
        Wait(env, -1.0, WORK, 1)
    except ValueError:
        pass
    else:
        raise AssertionError("a negative delay was scheduled")


def test_the_clock_keeps_now_an_attribute_equal_to_simpys_now():
    env = Clock()
    seen = []
    for delay in (2.0, 3.0):
        Wait(env, delay, WORK, 1).callbacks.append(lambda _e: seen.append((env.now, env._now)))
    env.step()
    assert seen == [(2.0, 2.0)] and env.now == env._now == 2.0
    env.run(until=5.0)
    assert seen == [(2.0, 2.0), (3.0, 3.0)] and env.now == env._now == 5.0
    env = Clock()
    jump(env, 7.0)
    assert env.now == env._now == 7.0


def test_the_clock_runs_as_simpy_does():
    """The same events, in the same order, with the same outcome, as SimPy's own run; a failed event crashes it."""
    def play(env):
        seen = []

        def process(name, delay):
            yield env.timeout(delay)
            seen.append((env.now, name))
            return name

        first = env.process(process("a", 2.0))
        env.process(process("b", 1.0))
        assert env.run(until=first) == "a"
        env.run(until=10.0)
        env.run()
        return seen, env.now

    assert play(Clock()) == play(simpy.Environment()) == ([(1.0, "b"), (2.0, "a")], 10.0)
    env = Clock()
    env.event().fail(RuntimeError("broken"))
    try:
        env.run()
    except RuntimeError as error:
        assert str(error) == "broken"
    else:
        raise AssertionError("a failed event did not crash the run")


def test_processes_begun_before_the_clock_runs_play_as_simpys_processes_do():
    """begin runs unstarted processes as env.process would at the clock's first step: in order, each up to its
    first wait, scheduling the same events in the same order."""
    def play(start):
        env, seen = Clock(), []

        def process(name, delay):
            seen.append((env.now, name, "begins"))
            yield Wait(env, delay, WORK, 1)
            seen.append((env.now, name, "ends"))
            return name

        made = start(env, [process("a", 2.0), process("b", 0.0), process("c", 2.0)])
        env.run(until=5.0)
        return seen, [p.value for p in made], [p.is_alive for p in made]

    def simpy_way(env, generators):
        return [env.process(g) for g in generators]

    def begun(env, generators):
        made = [unstarted(env, g) for g in generators]
        begin(made)
        return made

    assert play(begun) == play(simpy_way)
    assert play(begun)[0][:3] == [(0.0, "a", "begins"), (0.0, "b", "begins"), (0.0, "c", "begins")]


def test_a_lifecycle_that_nothing_waits_on_ends_without_a_step_of_the_clock():
    """SimPy schedules a process's end as an event for its waiters; a lifecycle (made by `unstarted`) does so
    only when something waits on it, and then it is woken with the value as by SimPy."""
    env = Clock()

    def work(delay):
        yield Wait(env, delay, WORK, 1)
        return delay

    alone, waited = unstarted(env, work(1.0)), unstarted(env, work(2.0))
    heard = []

    def waiter():
        heard.append((yield waited))

    begin([alone, waited])
    env.process(waiter())
    env.run(until=1.5)
    assert not alone.is_alive and alone.value == 1.0 and alone.processed
    assert [event for _, _, _, event in env._queue if event is alone] == []
    env.run(until=3.0)
    assert heard == [2.0] and waited.processed
