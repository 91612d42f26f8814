"""A pack that prints to standard output before its server starts, so its first line is not a port."""

import time

print("loading policies...")
time.sleep(120)
