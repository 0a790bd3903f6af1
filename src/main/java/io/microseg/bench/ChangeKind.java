package io.microseg.bench;

/** The single changes whose engine-side latency the bench measures. */
public enum ChangeKind {
    POD_ADD("podAdd"), POD_DELETE("podDelete"), POD_RELABEL("podRelabel"), SERVICE_TYPE("serviceTypeChange"),
    ENDPOINT("endpointChange"), POLICY_ADD("policyAdd"), POLICY_DELETE("policyDelete");

    private final String field;

    ChangeKind(String field) {
        this.field = field;
    }

    /** The name the JSON report uses: {@code podAddP99Micros}. */
    public String field() {
        return field;
    }

    public boolean isPodChange() {
        return this == POD_ADD || this == POD_DELETE || this == POD_RELABEL;
    }
}
