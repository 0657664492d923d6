"""Writes Tests/MyelinModelsTests/Fixtures/cartpole.json: trajectories of gymnasium's CartPole-v1
under fixed action sequences, for the test that Myelin's CartPole follows the same dynamics.

Each episode is started by gymnasium (`env.reset(seed=...)`) and its initial state recorded exactly
(the four float64 numbers as `float.hex`): Myelin draws its own initial states from its own
generator, so the test starts Myelin's CartPole from the recorded state instead. Then the episode's
actions are played until gymnasium ends the episode (terminated by the pole's angle or the cart's
position, or truncated by `TimeLimit` at 500 steps), and every step's float32 observation, reward,
terminated and truncated are recorded. The action sequences: all left, all right, alternating,
seeded random ones, and one chosen as the episode goes by a simple controller (push towards where
the pole leans), which keeps the pole up for the whole 500 steps: played back as a fixed sequence, it
checks the time limit and 500 steps of arithmetic bit for bit; the same controller with a bias
drives the cart off the track (the position's termination).

Run once by hand from the project folder (needs gymnasium: pip install gymnasium):
/work/torchenv/bin/python Tools/make_cartpole_fixture.py
"""
import json
import os

import gymnasium
import numpy as np


def play(seed, choose):
    env = gymnasium.make("CartPole-v1")
    observation, _ = env.reset(seed=seed)
    state = [float(v) for v in env.unwrapped.state]
    assert np.array_equal(observation, np.array(state, dtype=np.float32))
    actions, observations, rewards, terminated, truncated = [], [], [], [], []
    done = False
    while not done:
        action = choose(len(actions), observation)
        observation, reward, term, trunc, _ = env.step(action)
        actions.append(int(action))
        observations.append([float(v) for v in observation])  # float32 values, exact as doubles
        rewards.append(float(reward))
        terminated.append(bool(term))
        truncated.append(bool(trunc))
        done = term or trunc
    env.close()
    return {
        "seed": seed,
        "initial_state": [v.hex() for v in state],
        "actions": actions,
        "observations": observations,
        "rewards": rewards,
        "terminated": terminated,
        "truncated": truncated,
    }


def controller(bias):
    # Push towards where the pole is heading (its angle plus a share of its angular velocity); a
    # bias keeps the pole leaning a little, so the cart drifts until it leaves the track.
    def choose(step, observation):
        _, _, theta, theta_dot = observation
        return 1 if theta + 0.5 * theta_dot + bias > 0 else 0

    return choose


episodes = [
    dict(name="all left", **play(0, lambda i, o: 0)),
    dict(name="all right", **play(1, lambda i, o: 1)),
    dict(name="alternating", **play(2, lambda i, o: i % 2)),
]
for seed in (3, 4, 5):
    actions = np.random.default_rng(seed).integers(0, 2, size=500)
    episodes.append(dict(name=f"random actions {seed}", **play(seed, lambda i, o, a=actions: int(a[i]))))
episodes.append(dict(name="controller", **play(6, controller(0))))
assert episodes[-1]["truncated"][-1] and len(episodes[-1]["actions"]) == 500, "the controller should last 500 steps"
episodes.append(dict(name="drifting controller", **play(8, controller(0.04))))
assert episodes[-1]["terminated"][-1] and abs(episodes[-1]["observations"][-1][0]) > 2.4, "the cart should leave the track"

constants = {
    "gymnasium": gymnasium.__version__,
    "numpy": np.__version__,
    "max_episode_steps": gymnasium.spec("CartPole-v1").max_episode_steps,
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "MyelinModelsTests", "Fixtures", "cartpole.json")
with open(path, "w") as f:
    json.dump({"made_with": constants, "episodes": episodes}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}: " + ", ".join(f"{e['name']} {len(e['actions'])} steps" for e in episodes))
