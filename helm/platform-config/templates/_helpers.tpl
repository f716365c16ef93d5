{{/* Labels for every object. */}}
{{- define "platform-config.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: platform
{{- end }}

{{/* The ACME directory of a Let's Encrypt environment. */}}
{{- define "platform-config.acmeServer" -}}
{{- if eq . "staging" -}}
https://acme-staging-v02.api.letsencrypt.org/directory
{{- else -}}
https://acme-v02.api.letsencrypt.org/directory
{{- end -}}
{{- end }}

{{/* Settings an enabled object cannot do without. Each message names the value and the fix. */}}
{{- define "platform-config.validate" -}}
{{- with .Values.clusterSecretStore }}
{{- if and .enabled (empty .region) }}
{{- fail "clusterSecretStore.enabled is true but clusterSecretStore.region is empty. Fix: set the region of the environment's secrets." }}
{{- end }}
{{- end }}
{{- with .Values.clusterIssuer }}
{{- if .enabled }}
{{- if empty .email }}
{{- fail "clusterIssuer.enabled is true but clusterIssuer.email is empty. Fix: set the address Let's Encrypt sends expiry notices to." }}
{{- end }}
{{- if empty .dnsZones }}
{{- fail "clusterIssuer.enabled is true but clusterIssuer.dnsZones is empty. Fix: list the hosted zone's domain." }}
{{- end }}
{{- if or (empty .route53.region) (empty .route53.hostedZoneID) }}
{{- fail "clusterIssuer.enabled is true but clusterIssuer.route53.region or clusterIssuer.route53.hostedZoneID is empty. Fix: set both." }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
