"""Delivery channels. Each raises Temporary (try again later) or Permanent (never again) on failure."""


class DeliveryError(Exception):
    gone = False


class Temporary(DeliveryError):
    """The server said not now (SMTP 4xx, push 429/5xx) or could not be reached."""


class Permanent(DeliveryError):
    """The server refused for good (SMTP 5xx, push 4xx). `gone`: the address no longer exists."""

    def __init__(self, message: str, *, gone: bool = False):
        super().__init__(message)
        self.gone = gone
