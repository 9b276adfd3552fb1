"""The S_tanh schedule.

S_tanh sets how sharp the tanh surrogate of the XOR is. Small, the surrogate is smooth and its
gradient reaches encrypted weights far from zero (many sign flips, exploration); large, it is
close to the sign function, so its gradient is large only for encrypted weights near 0 and the
decoded bits settle. The paper warms S_tanh up; here it grows geometrically, once per epoch,
from `start` at the first epoch to `end` at the last:

    S_tanh(e) = start * (end / start) ^ (e / (epochs - 1))        e = 0 .. epochs - 1
"""


class STanhSchedule:
    def __init__(self, start, end, epochs):
        if not (start > 0 and end > 0 and epochs >= 1):
            raise ValueError("need start > 0, end > 0 and epochs >= 1")
        self.start, self.end, self.epochs = float(start), float(end), int(epochs)

    def __call__(self, epoch):
        if self.epochs == 1:
            return self.end
        return self.start * (self.end / self.start) ** (epoch / (self.epochs - 1))

    def describe(self):
        return f"S_tanh from {self.start:g} to {self.end:g}, geometric over {self.epochs} epochs"
