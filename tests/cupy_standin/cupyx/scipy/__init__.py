"""``cupyx.scipy`` for the stand-in: only ``special``."""
