"""The fields of the incident-history format: its times and its text columns."""

TIME_FIELDS = ("started_at", "detected_at", "declared_at", "acknowledged_at", "mitigated_at", "resolved_at")
TEXT_FIELDS = ("incident", "mode", "severity", "cause", "mitigation", "channel", "responder")
FIELDS = ("incident", "mode", "severity", *TIME_FIELDS, "cause", "mitigation", "channel", "responder")
