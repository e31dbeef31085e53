"""Evidence behind the symptom, wellness and triage rules (SCIENCE.md 5.2, 5.3, 7), registered
on import. Keys are listed in :data:`CLINICAL_EVIDENCE_KEYS`."""

from __future__ import annotations

from risk.evidence import Evidence, register

PAIN_MONITORING = "silbernagel_pain_monitoring"
HOOPER_WELLNESS = "hooper_wellness"
VISA_H = "visa_h_cacchio2014"
TRIAGE_EMERGENCY = "triage_emergency"
TRIAGE_BONE_STRESS = "triage_bone_stress"
TRIAGE_NERVE = "triage_nerve_related"
TRIAGE_ACUTE_TEAR = "triage_acute_tear"
TRIAGE_PERSISTENT = "triage_persistent"
TRIAGE_TENDON = "triage_tendon_load_pattern"
TRIAGE_DOMS = "triage_doms_like"

ENTRIES: tuple[Evidence, ...] = (
    Evidence(
        key=PAIN_MONITORING,
        title="Pain-monitoring model for tendon pain (during <= 5/10, settled next morning, "
        "no week-on-week rise)",
        citation="Silbernagel KG, Thomeé R, Eriksson BI, Karlsson J. Continued sports activity, "
        "using a pain-monitoring model, during rehabilitation in patients with Achilles "
        "tendinopathy: a randomized controlled study. Am J Sports Med 2007;35(6):897-906. "
        "Model from Thomeé R. Phys Ther 1997;77(12):1690-1703.",
        doi="10.1177/0363546506298279",
        grade="C",
        summary="RCT in Achilles tendinopathy (n = 38; grade A there); applied to proximal "
        "hamstring tendon pain by extrapolation (C), as Goom et al. 2016 do. The next-morning "
        "and week-on-week tolerances are product heuristics.",
    ),
    Evidence(
        key=HOOPER_WELLNESS,
        title="Wellness (Hooper index) against the athlete's own 28-day baseline",
        citation="Hooper SL, Mackinnon LT, Howard A, Gordon RD, Bachmann AW. Markers for "
        "monitoring overtraining and recovery. Med Sci Sports Exerc 1995;27(1):106-112.",
        doi="10.1249/00005768-199501000-00019",
        grade="D",
        summary="Wellness scores track load changes in team sports (B/C); no threshold is "
        "validated and the link to injury in runners is unproven: the z >= 1.0 on 2 days or "
        ">= 1.5 on 1 day thresholds are product heuristics.",
    ),
    Evidence(
        key=VISA_H,
        title="VISA-H questionnaire for proximal hamstring tendon symptoms",
        citation="Cacchio A, De Paulis F, Maffulli N. Development and validation of a new VISA "
        "questionnaire (VISA-H) for patients with proximal hamstring tendinopathy. Br J Sports "
        "Med 2014;48(6):448-452.",
        doi="10.1136/bjsports-2012-091552",
        grade="C",
        summary="0-100, 100 = no symptoms; alpha 0.84, test-retest ICC 0.90-0.95 in 30 patients "
        "and 30 controls. No published MCID: the 10-point highlight is a heuristic.",
    ),
    Evidence(
        key=TRIAGE_EMERGENCY,
        title="Saddle numbness, bladder/bowel change or rapidly worsening leg weakness",
        citation="MSD Manual Professional, Lumbosacral radiculopathy (2024); cauda equina red "
        "flags as taught in musculoskeletal triage.",
        grade="C",
        summary="Red-flag signs that need urgent medical care; never hidden by other flags or "
        "settings.",
    ),
    Evidence(
        key=TRIAGE_BONE_STRESS,
        title="Pain on hopping, weight bearing or at night, especially after a load spike",
        citation="Warden SJ, Davis IS, Fredericson M. Management and prevention of bone stress "
        "injuries in long-distance runners. J Orthop Sports Phys Ther 2014;44(10):749-765.",
        doi="10.2519/jospt.2014.5334",
        grade="C",
        summary="Expert review; a military cohort rule (Sports Health 2020) scores bony "
        "tenderness 3, prior bone stress injury 2, increased volume 1. Pelvic and femoral-neck "
        "sites fall outside that rule, so the threshold is kept low.",
    ),
    Evidence(
        key=TRIAGE_NERVE,
        title="Burning, electric or tingling pain, pain past the knee, worse on coughing",
        citation="MSD Manual Professional, Lumbosacral radiculopathy (2024).",
        grade="C",
        summary="Radicular pain typically runs below the knee and is burning, lancinating or "
        "stabbing; a physio or doctor can examine for it.",
    ),
    Evidence(
        key=TRIAGE_ACUTE_TEAR,
        title="Sudden sharp pain with a pop, bruising or loss of function",
        citation="SCIENCE.md 7.4 (expert opinion).",
        grade="C",
        summary="Some proximal hamstring injuries need early specialist review.",
    ),
    Evidence(
        key=TRIAGE_PERSISTENT,
        title="Symptoms for 14 days without improvement, VISA-H falling, repeated rule breaks",
        citation="SCIENCE.md 7.4 [heuristic]; 2-point NRS change from Farrar JT et al. Pain "
        "2001;94(2):149-158.",
        doi="10.1016/S0304-3959(01)00349-9",
        grade="D",
        summary="A prompt to see a clinician when symptoms do not settle.",
    ),
    Evidence(
        key=TRIAGE_TENDON,
        title="Sit-bone pain worse sitting, uphill or fast, gradual onset",
        citation="Goom TSH, Malliaras P, Reiman MP, Purdam CR. Proximal hamstring tendinopathy: "
        "clinical aspects of assessment and management. J Orthop Sports Phys Ther "
        "2016;46(6):483-493.",
        doi="10.2519/jospt.2016.6697",
        grade="C",
        summary="Clinical commentary: the pattern often responds to load management; a physio "
        "can confirm it.",
    ),
    Evidence(
        key=TRIAGE_DOMS,
        title="Diffuse soreness 24-72 h after an unusual session, improving",
        citation="SCIENCE.md 7.4 (expert opinion).",
        grade="C",
        summary="Usually settles within a few days.",
    ),
)

CLINICAL_EVIDENCE_KEYS: tuple[str, ...] = tuple(entry.key for entry in ENTRIES)

register(*ENTRIES)

#: The evidence keys behind each clinical flag kind (``loadwatch flags --explain KIND``).
CLINICAL_KIND_EVIDENCE: dict[str, tuple[str, ...]] = {
    "pain_response": (PAIN_MONITORING, TRIAGE_PERSISTENT, TRIAGE_TENDON, TRIAGE_DOMS),
    "red_flag": (TRIAGE_EMERGENCY, TRIAGE_BONE_STRESS, TRIAGE_NERVE, TRIAGE_ACUTE_TEAR),
}
