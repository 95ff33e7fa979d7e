"""Pictures of use: seats assigned over the past twelve months per level, drawn as SVG in
a template (command_center/_usage_charts.html) from a `LevelUsage` series: one agreement's,
the numbers of its Maximum usage page (`maximum_usage`), or every managed agreement's added
up day by day (`usage_across`). So a picture, its table for screen readers and the usage
tables always agree."""

from dataclasses import dataclass
from datetime import date

from agreements.usage.selectors import LevelUsage

WIDTH, HEIGHT = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 30


@dataclass(frozen=True)
class Point:
    month: date
    peak: int | None  # None: no snapshot that month (drawn at 0)
    x: float
    y: float


@dataclass(frozen=True)
class LevelChart:
    usage: LevelUsage
    points: list[Point]
    purchased_y: float
    peak_point: Point
    top: int  # the value at the top of the axis
    # Seats the year's peak went over what was bought (a true-up), or 0.
    over: int
    # Seats bought and never used at the year's peak, or 0.
    never_used: int

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


def level_chart(usage: LevelUsage) -> LevelChart:
    peaks = [month.peak or 0 for month in usage.months]
    top = max([usage.seats_purchased, usage.peak, *peaks, 1])
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(peaks) - 1, 1)

    def y(value: int) -> float:
        return TOP + inner_h - inner_h * value / top

    points = [
        Point(month=month.month, peak=month.peak, x=LEFT + index * step, y=y(peak))
        for index, (month, peak) in enumerate(zip(usage.months, peaks, strict=True))
    ]
    # The last month reaching the year's highest monthly peak.
    peak_point = max(reversed(points), key=lambda point: point.peak or 0)
    return LevelChart(
        usage=usage,
        points=points,
        purchased_y=y(usage.seats_purchased),
        peak_point=peak_point,
        top=top,
        over=max(usage.peak - usage.seats_purchased, 0),
        never_used=max(usage.seats_purchased - usage.peak, 0),
    )
