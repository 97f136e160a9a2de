"""The demo organisation `aims demo` seeds: people, AI systems, risks, evidence, audit."""

from __future__ import annotations

# Who does what (one token each). Separation of duties needs distinct people: owners ask
# for acceptance, approvers decide, the internal auditor owns no system in the audit scope.
PEOPLE = {
    "amira.haddad": ["system_owner"],
    "ben.okafor": ["system_owner"],
    "chloe.martin": ["system_owner"],
    "daniel.kim": ["system_owner"],
    "priya.nair": ["risk_officer"],
    "marcus.lee": ["approver"],
    "sofia.rossi": ["approver"],
    "jonas.weber": ["mlops"],
    "elena.petrova": ["auditor"],
}
RISK_OFFICER, APPROVER, SECOND_APPROVER = "priya.nair", "marcus.lee", "sofia.rossi"
MLOPS, AUDITOR = "jonas.weber", "elena.petrova"

# key, name, purpose, owner, provider role, EU AI Act tier, intended use, tags, target stage
SYSTEMS = [
    ("credit", "Credit scoring model",
     "Scores consumer loan applications for the probability of default.", "amira.haddad",
     "provider", "high",
     "Decision support for credit officers on consumer loans up to EUR 50k; a person makes "
     "and signs every decision.", ["lending", "tabular"], "operation"),
    ("cv", "CV screening model",
     "Ranks job applications against the requirements of a vacancy.", "ben.okafor",
     "provider", "high",
     "Shortlisting support for recruiters; a recruiter reviews every rejection.",
     ["hr", "nlp"], "verification"),
    ("chatbot", "Customer support chatbot",
     "Answers customer questions about accounts and cards in the mobile app.",
     "chloe.martin", "provider", "limited",
     "Answers service questions, tells users they talk to an AI, hands over to an agent "
     "on request or low confidence.", ["genai", "customer-facing"], "operation"),
    ("llm", "Contract summariser (third-party LLM)",
     "Summarises supplier contracts with a hosted third-party large language model.",
     "chloe.martin", "deployer", "limited",
     "Drafts summaries for the legal team, who read the contract before relying on them.",
     ["genai", "third-party"], "deployment"),
    ("fraud", "Card fraud detection",
     "Flags card transactions that are likely fraudulent for real-time blocking.",
     "amira.haddad", "provider", "minimal",
     "Holds suspicious card payments for step-up verification; analysts review holds.",
     ["payments", "realtime"], "operation"),
    ("demand", "Cash demand forecasting",
     "Forecasts daily cash demand of ATMs and branches.", "daniel.kim", "provider",
     "minimal", "Planning input for cash logistics; planners can override every forecast.",
     ["forecasting"], "operation"),
    ("claims", "Insurance claims triage",
     "Routes incoming insurance claims to fast-track or specialist handling.", "ben.okafor",
     "provider", "high",
     "Prioritises claims for handlers; it never rejects a claim.", ["insurance"], "design"),
    ("aml", "AML transaction monitoring",
     "Scores transactions for money-laundering patterns for the financial crime team.",
     "amira.haddad", "provider", "limited",
     "Alerts investigators; every report to the authorities is a human decision.",
     ["financial-crime"], "re_evaluation"),
    ("ocr", "Document classification (OCR)",
     "Classifies scanned customer documents and extracts key fields.", "daniel.kim",
     "provider", "minimal", "Back-office routing of scanned mail; staff check low-confidence "
     "results.", ["documents"], "verification"),
    ("marketing", "Marketing copy generator",
     "Drafts marketing e-mails and web copy with a generative model.", "chloe.martin",
     "deployer", "limited", "Drafts reviewed and approved by the marketing team before use.",
     ["genai"], "design"),
    ("attrition", "Employee attrition predictor",
     "Explores predicting which employees are likely to resign.", "ben.okafor", "provider",
     "unassessed", "", ["hr", "exploration"], "inception"),
    ("churn", "Legacy churn model",
     "Predicted customer churn for retention campaigns (replaced in 2024).", "daniel.kim",
     "provider", "minimal", "Selected customers for retention offers.", ["legacy"],
     "retired"),
    ("emotion", "Call-centre emotion recognition",
     "Proposed: infer the emotions of call-centre staff from their voice.", "chloe.martin",
     "provider", "prohibited", "Workforce monitoring (proposed, not pursued).",
     ["proposal"], "inception"),
]  # fmt: skip

# system, key, title, Annex C category, likelihood, consequence, affects,
# treatment (option, controls, plan) or None, residual (likelihood, consequence) or None,
# acceptance: None, "approve" or "reject"
RISKS = [
    ("credit", "bias", "Disparate impact on protected groups", "fairness", 3, 5,
     ["individuals", "groups"], ("modify", ["A.7.4", "A.5.4", "A.6.2.4"],
     "Quarterly disparate-impact testing; reject-inference review; fairness thresholds in "
     "the validation suite."), (2, 5), "approve"),
    ("credit", "drift", "Model drift after interest-rate changes", "robustness", 4, 3,
     ["organisation", "individuals"], ("modify", ["A.6.2.6"],
     "Population-stability monitoring with alerts; retraining playbook."), (2, 3), None),
    ("credit", "explain", "Adverse decisions customers cannot have explained",
     "explainability", 3, 3, ["individuals"], None, None, None),
    ("cv", "bias", "Gender bias in candidate ranking", "fairness", 4, 4,
     ["individuals", "groups"], ("modify", ["A.7.4", "A.5.4"],
     "Re-balanced training data; blind features; recruiter review of every rejection."),
     (3, 4), "reject"),
    ("cv", "notice", "Candidates unaware of automated screening", "transparency", 3, 3,
     ["individuals"], None, None, None),
    ("chatbot", "hallucination", "Wrong answers about fees and limits", "robustness", 4, 2,
     ["individuals", "organisation"], ("modify", ["A.6.2.4", "A.9.2"],
     "Retrieval only from approved articles; answer tests before each release."),
     (2, 2), None),
    ("chatbot", "injection", "Prompt injection reveals other customers' data", "security",
     3, 4, ["individuals"], ("modify", ["A.6.2.8", "A.6.2.4"],
     "Tool isolation, output filtering and red-team tests."), (2, 4), None),
    ("chatbot", "transcripts", "Personal data kept in chat transcripts", "privacy", 2, 4,
     ["individuals"], None, None, None),
    ("llm", "confidential", "Confidential contract text sent to the model provider",
     "privacy", 3, 5, ["organisation"], ("share", ["A.10.2", "A.10.3"],
     "Data processing agreement with zero data retention; EU region only."), (2, 5),
     "approve"),
    ("llm", "omission", "Summaries omit material clauses", "robustness", 3, 3,
     ["organisation"], None, None, None),
    ("fraud", "false-positive", "Legitimate payments blocked", "accountability", 4, 2,
     ["individuals"], ("modify", ["A.9.2"], "Step-up verification instead of hard blocks."),
     None, None),
    ("fraud", "evasion", "Adversarial evasion by fraud rings", "security", 3, 4,
     ["organisation"], ("modify", ["A.6.2.6"], "Weekly retraining; rule overlays."),
     (2, 3), None),
    ("demand", "holidays", "Forecast error around public holidays", "robustness", 3, 2,
     ["organisation"], None, None, None),
    ("demand", "energy", "Compute cost and energy use of retraining", "environmental_impact",
     2, 1, ["society"], None, None, None),
    ("claims", "vulnerable", "Vulnerable claimants routed to slow handling", "fairness", 3, 4,
     ["individuals", "groups"], None, None, None),
    ("aml", "drift", "Missed suspicious transactions after drift", "robustness", 4, 5,
     ["organisation", "society"], ("modify", ["A.6.2.6", "A.6.2.4"],
     "Scenario coverage review and monthly back-testing."), (2, 4), None),
    ("ocr", "misroute", "Misclassified documents routed to the wrong team", "data_quality",
     3, 2, ["organisation"], None, None, None),
    ("marketing", "misleading", "Misleading claims in generated copy", "transparency", 3, 3,
     ["individuals"], None, None, None),
    ("attrition", "intrusion", "Intrusive inferences about employees", "privacy", 4, 4,
     ["individuals"], None, None, None),
    ("churn", "stale", "Stale scores used after retirement", "maintainability", 2, 2,
     ["organisation"], None, None, None),
    ("emotion", "prohibited", "Emotion recognition in the workplace", "accountability", 5, 5,
     ["individuals", "society"], ("avoid", [], "Do not build; Art. 5 prohibits it."), None,
     None),
]  # fmt: skip

# system, status to reach (draft | submitted | approved), severity, reversibility
IMPACTS = [
    ("credit", "approved", "high", "partially_reversible"),
    ("cv", "submitted", "high", "partially_reversible"),
    ("chatbot", "approved", "medium", "reversible"),
    ("aml", "approved", "high", "partially_reversible"),
    ("claims", "draft", "medium", "reversible"),
]

# Evidence each lifecycle gate asks for (see the registry's gate policy), per system.
STAGE_EVIDENCE = {
    "verification": [("design-dossier", "document", "Design and data dossier",
                      ["A.6.2.3", "A.7.4", "A.7.5", "A.7.2"])],
    "deployment": [
        ("validation", "test_report", "Validation report", ["A.6.2.4"]),
        ("release", "document", "Deployment plan, technical documentation and user information",
         ["A.6.2.5", "A.6.2.7", "A.8.2"]),
        ("logging", "configuration", "Event logging configuration", ["A.6.2.8"]),
    ],
    "operation": [("monitoring", "dashboard", "Monitoring dashboard and alert thresholds",
                   ["A.6.2.6", "A.9.2"])],
}  # fmt: skip
PATH = ["inception", "design", "verification", "deployment", "operation"]

# Organisation-wide evidence: key, kind, title, controls, days valid from the anchor
# (negative: already expired), recorded by.
ORG_EVIDENCE = [
    ("raci", "document", "AI roles and responsibilities (RACI)", ["A.3.2", "A.3.3"], 365,
     RISK_OFFICER),
    ("impact-method", "procedure", "Impact assessment procedure", ["A.5.2", "A.5.3"], 365,
     RISK_OFFICER),
    ("resources-2024", "inventory", "AI resources inventory 2024", ["A.4.2", "A.4.3", "A.4.4"],
     -30, RISK_OFFICER),
    ("supplier-llm", "assessment", "Supplier assessment of the LLM provider",
     ["A.10.2", "A.10.3"], 365, "chloe.martin"),
    ("incident-comms", "procedure", "AI incident communication procedure", ["A.8.4", "A.8.3"],
     365, RISK_OFFICER),
]  # fmt: skip

POLICY_TEXT = """# AI policy (version 3)

1. We use AI only for purposes approved by the AI governance board.
2. Every AI system has a named owner and is registered in aims before design starts.
3. Risks are assessed against the approved criteria; risks above the appetite are
   accepted only by designated management, for a limited time.
4. High-risk systems need an approved impact assessment before deployment.
5. Every deployment is approved by the deployment gate and recorded.
6. This policy is reviewed at least once a year by the management review.
"""

# SoA: controls excluded (with why) and applicable controls not yet implemented.
EXCLUDED = {
    "A.10.4": "Excluded: we do not supply AI systems or components to customer "
              "organisations; retail users are covered by A.8.2 and A.9.",
}  # fmt: skip
IN_PROGRESS = {"A.4.6", "A.6.1.3", "A.7.6", "A.8.5", "A.9.3"}
GATE_CONTROLS = {"A.6.2.8"}  # applicable controls every deployment must show evidence for
GROUP_REASONS = {
    "A.2": "the AI policy is the basis of the management system (5.2)",
    "A.3": "accountability for every AI system must be assigned and concerns reported",
    "A.4": "we develop and operate AI systems with our own data, tools and people",
    "A.5": "several systems affect individuals and groups (credit, hiring, claims)",
    "A.6": "we develop and operate AI systems through a defined lifecycle",
    "A.7": "our models are trained on customer and transaction data",
    "A.8": "customers and staff interact with our AI systems and must be informed",
    "A.9": "business teams use AI outputs in decisions about people",
    "A.10": "we deploy third-party models and share responsibilities with suppliers",
}  # fmt: skip

# --- Management-system records (risk service: 4.1-4.3, 5.2, 5.3, 6.2, 7.2, A.10) ---
# AI roles: name, what it answers for, competences required, holders.
AI_ROLES = [
    ("AI governance lead", "Runs the AI management system and its risk process.",
     ["ai-risk-management", "iso-42001"], [RISK_OFFICER]),
    ("AI system owner", "Accountable for an AI system across its lifecycle (A.3.2).",
     ["ai-risk-management", "eu-ai-act", "human-oversight"],
     ["amira.haddad", "ben.okafor", "chloe.martin", "daniel.kim"]),
    ("ML engineer", "Builds, validates and monitors models.", ["bias-testing", "secure-ml"],
     [MLOPS]),
    ("AI governance board member", "Approves policy, objectives and residual risk.",
     ["eu-ai-act", "iso-42001"], [APPROVER, SECOND_APPROVER]),
    ("Internal AI auditor", "Audits the AI management system (9.2).",
     ["iso-42001", "audit-techniques"], [AUDITOR]),
]  # fmt: skip
# person, competence, completed (days from the anchor), expires (days, None: never)
TRAINING = [
    (RISK_OFFICER, "ai-risk-management", -200, 530), (RISK_OFFICER, "iso-42001", -120, None),
    ("amira.haddad", "ai-risk-management", -90, 640), ("amira.haddad", "eu-ai-act", -60, 305),
    ("amira.haddad", "human-oversight", -30, 335), ("ben.okafor", "ai-risk-management", -90, 640),
    ("ben.okafor", "eu-ai-act", -60, 305), ("chloe.martin", "ai-risk-management", -90, 640),
    ("chloe.martin", "eu-ai-act", -60, 305), ("chloe.martin", "human-oversight", -30, 335),
    ("daniel.kim", "ai-risk-management", -400, -35), ("daniel.kim", "eu-ai-act", -60, 305),
    ("daniel.kim", "human-oversight", -30, 335), (MLOPS, "bias-testing", -45, 685),
    (APPROVER, "eu-ai-act", -60, 305), (APPROVER, "iso-42001", -120, None),
    (SECOND_APPROVER, "eu-ai-act", -60, 305), (AUDITOR, "iso-42001", -300, None),
    (AUDITOR, "audit-techniques", -300, None),
]  # fmt: skip
# Who has acknowledged the AI policy so far (the rest of the role holders have not).
POLICY_READERS = [RISK_OFFICER, APPROVER, SECOND_APPROVER, "amira.haddad", "chloe.martin",
                  MLOPS, AUDITOR]  # fmt: skip
# key, title, measure, unit, target, direction, baseline, due (days), owner, systems,
# measurements [(days, value)]
OBJECTIVES = [
    ("fairness", "Fair credit decisions",
     "Gap in approval rates between protected groups, in percentage points", "pp", 2.0,
     "at_most", 6.5, 120, "amira.haddad", ["credit"], [(-60, 6.1), (-30, 4.8), (-2, 3.9)]),
    ("review", "Human review of adverse credit decisions",
     "Share of adverse decisions signed by a credit officer", "%", 100.0, "at_least", 92.0, 60,
     "amira.haddad", ["credit"], [(-20, 97.0), (-1, 100.0)]),
    ("answers", "Correct chatbot answers",
     "Share of sampled answers rated correct by reviewers", "%", 95.0, "at_least", 88.0, -5,
     "chloe.martin", ["chatbot"], [(-40, 89.0), (-10, 91.0)]),
]  # fmt: skip
# key, name, services, contract, owner, systems, due diligence after review, approved
SUPPLIERS = [
    ("llm", "Hosted LLM provider", ["hosted large language model API"], "MSA-2024-117",
     "chloe.martin", ["llm"], "passed", True),
    ("bureau", "Credit bureau", ["credit history data feed"], "DSA-2023-042", "amira.haddad",
     ["credit"], "passed", True),
    ("labels", "Annotation vendor", ["data labelling"], "SOW-2025-009", "ben.okafor",
     ["cv", "claims"], "in_progress", False),
]  # fmt: skip
# name, kind, [(requirement, source)], systems
PARTIES = [
    ("Market surveillance authority", "regulator",
     [("Serious incidents reported within the Art. 73 deadlines", "EU AI Act Art. 73"),
      ("Technical documentation on request", "EU AI Act Art. 11, Annex IV")],
     ["credit", "cv", "claims"]),
    ("Loan applicants", "affected_person",
     [("An explanation of an automated refusal", "GDPR Art. 22"),
      ("Human review on request", "GDPR Art. 22(3)")], ["credit"]),
    ("Employees", "employee",
     [("Told before AI is used to monitor or evaluate them", "EU AI Act Art. 26(7)")],
     ["attrition"]),
    ("Mobile app customers", "user",
     [("Told that they talk to an AI system", "EU AI Act Art. 50(1)")], ["chatbot"]),
]  # fmt: skip
SCOPE_STATEMENT = (
    "The AI management system covers every AI system the bank develops, procures or uses in "
    "retail banking and insurance, from inception to retirement."
)
OUT_OF_SCOPE = {"churn": "retired", "emotion": "prohibited proposal, not pursued"}

# Who answers for each system (5.3, A.3.2): system key -> (responsible, consulted, informed);
# the system's owner is accountable.
RESPONSIBILITIES = {
    "credit": (["amira.haddad", "jonas.weber"], ["priya.nair"], ["marcus.lee"]),
    "cv": (["ben.okafor", "jonas.weber"], ["priya.nair"], ["marcus.lee", "sofia.rossi"]),
    "claims": (["ben.okafor"], ["priya.nair"], ["marcus.lee"]),
    "chatbot": (["chloe.martin", "jonas.weber"], ["priya.nair"], []),
    "fraud": (["amira.haddad", "jonas.weber"], [], ["priya.nair"]),
}

# Data resources (A.7, EU AI Act Art. 10): key, system, (model name, version) or None, name,
# use, source, provenance, licence, personal data, quality checks (name, result, details).
Check = tuple[str, str, str]
DATASETS: list[
    tuple[str, str, tuple[str, str] | None, str, str, str, str, str, bool, list[Check]]
] = [
    ("loans", "credit", ("credit-scoring-gbm", "7"), "Loan applications 2015-2024", "training",
     "Core banking export", "Own loan applications and repayment history, collected under the"
     " loan contract; exported from core banking on the last day of each quarter.",
     "internal", True, [("completeness", "passed", "99.7% of required fields present"),
                        ("label balance", "warning", "defaults are 3.1% of rows")]),
    ("bureau", "credit", ("credit-scoring-gbm", "7"), "Credit bureau scores", "training",
     "National credit bureau", "Licensed from the national credit bureau under contract"
     " CB-2023-117; refreshed monthly.", "proprietary (bureau contract)", True,
     [("freshness", "passed", "under 35 days old")]),
    ("holdout", "credit", ("credit-scoring-gbm", "7"), "Loan applications holdout 2024",
     "testing", "Core banking export", "The 2024 applications, held out before training.",
     "internal", True, [("leakage", "passed", "no applicant in the training data")]),
    ("cards", "fraud", ("card-fraud-xgb", "12"), "Card transactions 2024", "training",
     "Card processing platform", "Authorised card transactions with chargeback labels from"
     " the card processor, collected under the card agreement.", "internal", True,
     [("label delay", "passed", "chargebacks settled for 120 days")]),
    ("cvs", "cv", ("cv-ranker", "3"), "Historic applications 2018-2023", "training",
     "Applicant tracking system", "Applications and hiring outcomes from the applicant"
     " tracking system, with consent for model development.", "internal", True,
     [("gender balance", "failed", "shortlists favour one gender by 11 points")]),
    ("faq", "chatbot", None, "Support answer corpus", "operation", "Service knowledge base",
     "Answers written and approved by the customer service team.", "internal", False,
     [("review", "passed", "every answer reviewed in the last 12 months")]),
]  # fmt: skip
