"""``torch.cuda`` as glassnet sees it: no GPU, so programs that ask take their CPU path."""


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed: there is no GPU generator (``torch.cuda.manual_seed`` on a machine without one)."""


manual_seed_all = manual_seed
