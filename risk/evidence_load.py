"""Evidence behind the training-load flags (SCIENCE.md sections 1-6), registered on import.

:mod:`risk.evidence` grades are single letters; where SCIENCE.md gives a mixed grade (e.g. B/C
for ACWR) the entry carries the weaker grade that applies to runners and the summary says why.
Keys are listed in :data:`LOAD_EVIDENCE_KEYS`.
"""

from __future__ import annotations

from risk.evidence import Evidence, register

SESSION_SPIKE = "session_spike_frandsen2025"
SAME_DAY_SUM = "session_spike_same_day_sum"
RETURN_AFTER_BREAK = "return_after_break"
WEEKLY_SPIKE = "weekly_spike_nielsen2014"
ACWR = "acwr_context"
HILL_SPIKE = "hill_spike"
INTENSITY_SPIKE = "intensity_spike"
MONOTONY = "monotony_foster1998"
RECOVERY_LOAD = "recovery_load"
OVERSTRIDE = "overstride_proxy"
DATA_GAP = "data_gap"

ENTRIES: tuple[Evidence, ...] = (
    Evidence(
        key=SESSION_SPIKE,
        title="Single-session spike vs the longest run of the previous 30 days",
        citation="Frandsen JSB, Hulme A, Parner ET, Møller M, Lindman I, Abrahamson J, Simonsen "
        "NS, Jacobsen JS, Ramskov D, Skejø S, Malisoux L, Bertelsen ML, Nielsen RO. How much "
        "running is too much? Identifying high-risk running sessions in a 5200-person cohort "
        "study. Br J Sports Med 2025;59(17):1203-1210.",
        doi="10.1136/bjsports-2024-109380",
        grade="A",
        summary="Garmin-RUNSAFE, 5205 runners, 588 071 sessions, 18 months. Versus runs within "
        "10 % of the 30-day longest: >10-30 % HRR 1.64 (1.31-2.05), >30-100 % HRR 1.52 "
        "(1.16-2.00), >100 % HRR 2.28 (1.50-3.48). Self-reported injury; exploratory; 78 % "
        "male; dose-response not monotonic.",
    ),
    Evidence(
        key=SAME_DAY_SUM,
        title="Same-day runs summed against the 30-day longest (extension)",
        citation="Product extension of Frandsen et al. 2025 (SCIENCE.md 2.2, same-day doubles).",
        doi="10.1136/bjsports-2024-109380",
        grade="D",
        summary="The study analysed single sessions. Summing the runs of one day is our "
        "heuristic extension, flagged only when no single run of that day already explains it.",
    ),
    Evidence(
        key=RETURN_AFTER_BREAK,
        title="Return after a break: no run in the previous 30 days",
        citation="SCIENCE.md 2.2 edge cases (product heuristic); how Frandsen et al. 2025 "
        "handled runs without a prior run is unverified.",
        grade="D",
        summary="Without a prior run there is no ratio. Start clearly shorter than before the "
        "break and build up again.",
    ),
    Evidence(
        key=WEEKLY_SPIKE,
        title="Week-to-week increase in running distance (secondary flag)",
        citation="Nielsen RO, Parner ET, Nohr EA, Sørensen H, Lind M, Rasmussen S. Excessive "
        "progression in weekly running distance and risk of running-related injuries. J Orthop "
        "Sports Phys Ther 2014;44(10):739-747. Damsted C, Parner ET, Sørensen H, Malisoux L, "
        "Hulme A, Nielsen RO. J Orthop Sports Phys Ther 2019;49(4):230-238 "
        "(doi:10.2519/jospt.2019.8541).",
        doi="10.2519/jospt.2014.5164",
        grade="A",
        summary="Grade A study design, imprecise effect: >30 % vs <10 % gave HR 1.59 "
        "(0.96-2.66, p = .07) for distance-related injuries only; Damsted's 20-60 % effect "
        "was transient (21 d); Frandsen 2025 found no week-to-week effect; the 10 % rule had "
        "no protective effect (Buist 2008). Secondary flag only.",
    ),
    Evidence(
        key=ACWR,
        title="Acute:chronic workload ratio bands: context, not a risk score",
        citation="Gabbett TJ. The training-injury prevention paradox. Br J Sports Med "
        "2016;50(5):273-280. Windt J, Gabbett TJ. Br J Sports Med 2019;53(16):988-990. Lolli L "
        "et al. Br J Sports Med 2019;53(15):921-922 (doi:10.1136/bjsports-2017-098110). "
        "Critiques: Impellizzeri et al. Sports Med 2021;51(3):581-592; Wang et al. Sports Med "
        "2020;50:1243-1254; Nakaoka et al. Sports Med 2021;51(11):2437-2447.",
        doi="10.1136/bjsports-2015-095788",
        grade="C",
        summary="Graded B/C: zones (0.8-1.3, >=1.5 coupled = 0.75-1.44, >=1.80 uncoupled) come "
        "from team sports (B); in runners the evidence is contradictory (Nakaoka 2021 and "
        "Frandsen 2025 found inverse associations) and the ratio itself is criticised, so it is "
        "shown as 'how this week compares with your recent weeks' only.",
    ),
    Evidence(
        key=HILL_SPIKE,
        title="Uphill vertical far above the runner's own recent baseline",
        citation="Product heuristic mirroring the distance rules (SCIENCE.md 4.2). Rationale: "
        "Roberts TJ, Belliveau RA. Sources of mechanical power for uphill running in humans. "
        "J Exp Biol 2005;208:1963-1970 (B).",
        grade="D",
        summary="No published hill-load injury thresholds exist. Uphill running draws its extra "
        "work from the hip extensors (hamstrings), which makes the link to proximal hamstring "
        "tendinopathy plausible, not proven.",
    ),
    Evidence(
        key=INTENSITY_SPIKE,
        title="More hard days or time above threshold speed than usual",
        citation="Product heuristic (SCIENCE.md 5.1, 9). Rationale: Dorn TW, Schache AG, Pandy "
        "MG. Muscular strategy shift in human running. J Exp Biol 2012;215:1944-1956 (B); "
        "Ramskov et al. BMJ Open Sport Exerc Med 2018;4:e000333 (null result, A).",
        doi="10.1242/jeb.064527",
        grade="D",
        summary="No quantitative intensity-spike threshold exists for runners (Run Clever found "
        "intensity progression no riskier than volume). Hamstring demand rises with speed, so "
        "speed blocks are flagged as a plausible, unproven exposure.",
    ),
    Evidence(
        key=MONOTONY,
        title="Foster training monotony and strain",
        citation="Foster C. Monitoring training in athletes with reference to overtraining "
        "syndrome. Med Sci Sports Exerc 1998;30(7):1164-1168.",
        doi="10.1097/00005768-199807000-00023",
        grade="C",
        summary="Graded B/C: 25 athletes, outcome banal illness rather than injury; monotony > "
        "2.0 is a convention and strain thresholds are individual (our 90th percentile is a "
        "heuristic); Afonso et al. 2021 call the SD-based index unstable.",
    ),
    Evidence(
        key=RECOVERY_LOAD,
        title="Hard days back to back; no rest day for a long stretch",
        citation="Product heuristic (SCIENCE.md 5.1): hard/easy spacing is a coaching "
        "convention; Ramskov et al. 2018 (Run Clever).",
        grade="D",
        summary="Recovery hints, not risk scores. The wellness part (Hooper z-scores, SCIENCE.md "
        "5.2) is added by the symptom log.",
    ),
    Evidence(
        key=OVERSTRIDE,
        title="Speed-matched cadence below the runner's own baseline (overstride proxy)",
        citation="Proxy: SCIENCE.md 6.3 (heuristic). Rationale: Heiderscheit BC, Chumanov ES, "
        "Michalski MP, Wille CM, Ryan MB. Effects of step rate manipulation on joint mechanics "
        "during running. Med Sci Sports Exerc 2011;43(2):296-302 (B). Anderson LM et al. Sports "
        "Med Open 2022;8:112.",
        doi="10.1249/MSS.0b013e3181ebedf4",
        grade="D",
        summary="Cadence cannot show where the foot lands; a flat-ground, speed-matched step "
        "rate >= 5 % below the runner's own baseline is a proxy. Raising step rate 5-10 % above "
        "one's own preferred rate lowers hip and knee loading (lab, B); no evidence for a "
        "universal 180 spm; higher cadence may raise late-swing hamstring activity (Chumanov "
        "2012).",
    ),
    Evidence(
        key=DATA_GAP,
        title="Too little data for the load metrics to mean much",
        citation="Product heuristic (SCIENCE.md 0: data-gap badge; Athlytics missing_load "
        "warning).",
        grade="D",
        summary="Days without a recording count as zero load; when fewer days are recorded "
        "than usual, or days are marked 'trained but not recorded', ratios and spikes are "
        "computed on incomplete data.",
    ),
)

LOAD_EVIDENCE_KEYS: tuple[str, ...] = tuple(entry.key for entry in ENTRIES)

register(*ENTRIES)

#: The evidence keys each load flag kind can carry (``loadwatch flags --explain KIND``).
KIND_EVIDENCE: dict[str, tuple[str, ...]] = {
    "session_spike": (SESSION_SPIKE, SAME_DAY_SUM, RETURN_AFTER_BREAK),
    "weekly_spike": (WEEKLY_SPIKE,),
    "acwr_high": (ACWR,),
    "acwr_low": (ACWR,),
    "hill_spike": (HILL_SPIKE,),
    "intensity_spike": (INTENSITY_SPIKE,),
    "monotony_high": (MONOTONY,),
    "poor_recovery": (RECOVERY_LOAD,),
    "overstride": (OVERSTRIDE,),
    "data_gap": (DATA_GAP,),
}
