# Time as the orchestrator sees it, and poll(): every wait of a command goes
# through here, with a deadline, so that tests can run them on a fake clock.
import time


class Clock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def poll(clock, seconds: float, check, interval: float = 0.2) -> bool:
    """Calls CHECK every INTERVAL until it is true (True), or until SECONDS
    have passed (False)."""
    deadline = clock.now() + seconds
    while not check():
        if clock.now() >= deadline:
            return False
        clock.sleep(interval)
    return True
