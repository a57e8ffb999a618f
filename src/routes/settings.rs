//! Flags, the route's part two: which route settings were given, by name, for
//! the rules of which route uses which (`REGISTRY`'s `accepts`/`requires`),
//! and typed views of a few fields. No validation; it must not import `cli`.

use super::RouteArgs;
use crate::kof::{Layout, Purpose};

/// The route settings, for the rules of which route uses which. Names are the flags'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    RegionalDomain,
    RegionalCluster,
    RegionalNamespace,
    CredsSecret,
    NoBasicAuth,
    KofLayout,
    WriteMetricsEndpoint,
    WriteLogsEndpoint,
    WriteAuditLogsEndpoint,
    WriteTracesEndpoint,
    ReadMetricsEndpoint,
    InsecureSkipVerify,
    CaSecret,
    CaKey,
    AwsRegion,
    LogGroup,
    LogStream,
    AwsSecret,
    ExporterFile,
}

impl RouteArgs {
    /// Every route setting with its flag and whether it was given, in flag order.
    pub fn settings(&self) -> [(Setting, &'static str, bool); 19] {
        use Setting::*;
        #[rustfmt::skip]
        let given = [
            (RegionalDomain, "regional-domain", self.regional_domain.is_some()),
            (RegionalCluster, "regional-cluster", self.regional_cluster.is_some()),
            (RegionalNamespace, "regional-namespace", self.regional_namespace.is_some()),
            (CredsSecret, "creds-secret", self.creds_secret.is_some()),
            (NoBasicAuth, "no-basic-auth", self.no_basic_auth),
            (KofLayout, "kof-layout", self.kof_layout.is_some()),
            (WriteMetricsEndpoint, "write-metrics-endpoint", self.write_metrics_endpoint.is_some()),
            (WriteLogsEndpoint, "write-logs-endpoint", self.write_logs_endpoint.is_some()),
            (WriteAuditLogsEndpoint, "write-audit-logs-endpoint", self.write_audit_logs_endpoint.is_some()),
            (WriteTracesEndpoint, "write-traces-endpoint", self.write_traces_endpoint.is_some()),
            (ReadMetricsEndpoint, "read-metrics-endpoint", self.read_metrics_endpoint.is_some()),
            (InsecureSkipVerify, "insecure-skip-verify", self.insecure_skip_verify),
            (CaSecret, "ca-secret", self.ca_secret.is_some()),
            (CaKey, "ca-key", self.ca_key.is_some()),
            (AwsRegion, "aws-region", self.aws_region.is_some()),
            (LogGroup, "log-group", self.log_group.is_some()),
            (LogStream, "log-stream", self.log_stream.is_some()),
            (AwsSecret, "aws-secret", self.aws_secret.is_some()),
            (ExporterFile, "exporter-file", self.exporter_file.is_some()),
        ];
        given
    }

    /// The URL given for an endpoint's purpose.
    pub fn endpoint(&self, purpose: Purpose) -> Option<&str> {
        match purpose {
            Purpose::WriteMetrics => &self.write_metrics_endpoint,
            Purpose::WriteLogs => &self.write_logs_endpoint,
            Purpose::WriteAuditLogs => &self.write_audit_logs_endpoint,
            Purpose::WriteTraces => &self.write_traces_endpoint,
            Purpose::ReadMetrics => &self.read_metrics_endpoint,
        }
        .as_deref()
    }

    /// The endpoint layout (the parser admits only known values).
    pub fn layout(&self) -> Layout {
        match self.kof_layout.as_deref() {
            Some("0.3") => Layout::V03,
            _ => Layout::V1,
        }
    }
}
