"""Chapter 5, the fleet forecast: AI video demand over one GPU's supply, times the article's multipliers."""

from __future__ import annotations

from sorabook.model import fleet, hardware
from sorabook.results import chain
from sorabook.results.specs import Chapter

ch = Chapter("05-fleet-forecast")


@ch.claim("fleet-minutes-per-gpu-day", "5 minutes per H100-hour = 120 minutes per H100-day", 120.0, "min",
        note="recomputed from 708 x 10^15 FLOPs per minute rather than from the rounded 5 minutes per hour")
@ch.result("fleet-minutes-per-gpu-day", "min/GPU-day", "Minutes of video one GPU generates per day at full load",
         ".4g")
def _supply(p) -> float:
    return chain.fleet_supply(p)


@ch.claim("tiktok-minutes-per-day", "TikTok: 34M videos x 30 s = 17M minutes a day", 17e6, "min/day")
def _tiktok_minutes(p) -> float:
    return fleet.uploaded_minutes(fleet.ARTICLE_TIKTOK_VIDEOS_PER_DAY, fleet.ARTICLE_TIKTOK_SECONDS_PER_VIDEO)


@ch.claim("tiktok-ai-minutes-per-day", "TikTok, 50% AI: 8.5M minutes a day", 8.5e6, "min/day")
@ch.result("tiktok-ai-minutes-per-day", "min/day", "Minutes of AI video per day on TikTok", ",.0f",
           domain="nonnegative")
def _tiktok_ai(p) -> float:
    return fleet.ai_minutes(p.tiktok_minutes_per_day, p.tiktok_ai_share)


@ch.claim("youtube-ai-minutes-per-day", "YouTube, 15% AI: 6.5M minutes a day", 6.5e6, "min/day",
        note="43M x 15% = 6.45M, printed rounded up to 6.5M")
@ch.result("youtube-ai-minutes-per-day", "min/day", "Minutes of AI video per day on YouTube", ",.0f",
           domain="nonnegative")
def _youtube_ai(p) -> float:
    return fleet.ai_minutes(p.youtube_minutes_per_day, p.youtube_ai_share)


@ch.claim("fleet-ai-minutes-per-day", "AI video: 8.5M + 6.5M = 15M minutes a day", 15e6, "min/day")
@ch.result("fleet-ai-minutes-per-day", "min/day", "Minutes of AI video per day, TikTok and YouTube", ",.0f")
def _demand(p) -> float:
    return chain.fleet_demand(p)


@ch.result("fleet-ai-share", "share", "AI share of all minutes uploaded to TikTok and YouTube", ".1%")
def _ai_share(p) -> float:
    """(17M x 50% + 43M x 15%) / (17M + 43M) = 24.9 % at the article's inputs."""
    return fleet.combined_ai_share(p.tiktok_minutes_per_day, p.tiktok_ai_share, p.youtube_minutes_per_day,
                                   p.youtube_ai_share)


@ch.claim("fleet-gpus-average", "15M / 120 ≈ 89,000 H100", 89e3, "GPUs",
        note="does not follow: 15M / 120 = 125,000 with the article's own rounded numbers, and its unrounded "
             "inputs give the value recomputed here")
@ch.result("fleet-gpus-average", "GPUs", "GPUs at average load and full utilisation", ",.0f")
def _gpus_average(p) -> float:
    return chain.gpus_average(p)


@ch.result("fleet-multiplier", "x", "Peak fleet over GPUs at average load and full utilisation", ".3g")
def _multiplier(p) -> float:
    return fleet.fleet_multiplier(chain.utilization(p, "fleet"), p.peak_to_average, p.generations_per_upload)


@ch.claim("fleet-gpus-peak", "x2 x2 x2: about 720,000 H100 at peak", 720e3, "GPUs",
        note="the article's own 89,000 x 8 = 712,000 ≈ 720,000: the multipliers are applied correctly to an "
             "average fleet that does not follow from the inputs")
@ch.result("fleet-gpus-peak", "GPUs", "GPUs needed at peak demand", ",.0f")
def _gpus_peak(p) -> float:
    return chain.gpus_peak(p)


@ch.result("fleet-power-mw", "MW", "Board power of the peak fleet", ".3g")
def _fleet_power(p) -> float:
    return fleet.fleet_power_mw(_gpus_peak(p), hardware.board_power_w(p.gpu))



def peak_fleet_by_share(p, shares):
    """GPUs at peak if the same AI share ``shares`` (a float or a NumPy array) of the minutes uploaded
    to both platforms were generated: the chain of :func:`sorabook.results.chain.gpus_peak` with the
    demand swept (chapter 5's figure of the fleet against the AI share)."""
    demand = fleet.demand_minutes_per_day(p.tiktok_minutes_per_day, shares, p.youtube_minutes_per_day, shares)
    return fleet.peak_fleet(fleet.gpus_at_average_load(demand, chain.fleet_supply(p)), chain.utilization(p, "fleet"),
                            p.peak_to_average, p.generations_per_upload)
