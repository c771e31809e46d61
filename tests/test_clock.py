"""SimPy's private state that simulator.engine.clock relies on (and nothing else in the engine touches): if a
SimPy release changes it, this fails before any event log drifts."""

from heapq import heappush
from itertools import count

import simpy

from simulator.engine.clock import DECLARE, ONSET, WORK, At, Wait, jump, now_of


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
