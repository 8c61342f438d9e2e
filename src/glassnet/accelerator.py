"""``torch.accelerator`` as glassnet sees it: no accelerator, so ``is_available()`` is False."""


def is_available() -> bool:
    return False


def current_accelerator():
    return None


def device_count() -> int:
    return 0
