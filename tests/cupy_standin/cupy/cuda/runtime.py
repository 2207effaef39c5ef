"""``cupy.cuda.runtime``: the facts of one pretend device."""


def getDeviceCount():
    return 1


def getDevice():
    return 0


def setDevice(device):
    if device != 0:
        raise RuntimeError(f"cudaErrorInvalidDevice: device {device}")


def runtimeGetVersion():
    return 12080


def driverGetVersion():
    return 12080


def getDeviceProperties(device):
    return {"name": b"CuPy stand-in (CPU)", "totalGlobalMem": 1 << 34, "major": 9,
            "minor": 0, "multiProcessorCount": 1}


def deviceSynchronize():
    pass
