{{/* Chart name, at most 63 characters (a DNS label). */}}
{{- define "hono-api.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release-chart, or the release name alone when it already contains the chart name.
Truncated to 63 characters because some Kubernetes name fields are DNS labels.
*/}}
{{- define "hono-api.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hono-api.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: stable for the life of the release (a Deployment selector is immutable). */}}
{{- define "hono-api.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hono-api.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Standard labels for every object. */}}
{{- define "hono-api.labels" -}}
helm.sh/chart: {{ include "hono-api.chart" . }}
{{ include "hono-api.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hono-api
{{- end }}

{{/*
Labels of the `helm test` pod: the standard labels under a name of its own, so that no selector of
the application (Deployment, Service, PodDisruptionBudget, NetworkPolicy) selects it. Selected by the
NetworkPolicy, its own egress would be limited to DNS and the test could never reach the Service.
*/}}
{{- define "hono-api.testLabels" -}}
helm.sh/chart: {{ include "hono-api.chart" . }}
app.kubernetes.io/name: {{ include "hono-api.name" . | trunc 58 | trimSuffix "-" }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hono-api
app.kubernetes.io/component: helm-test
{{- end }}

{{- define "hono-api.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hono-api.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: repository@digest when a digest is set, else repository:tag (tag defaults to
the appVersion). A `latest` tag fails the render unless image.allowLatest is true.
*/}}
{{- define "hono-api.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag | toString }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- if and (eq $tag "latest") (not .Values.image.allowLatest) }}
{{- fail "image.tag \"latest\" is mutable, so a rollback could not restore what ran before. Fix: set image.tag to a released version or image.digest to a sha256 digest (or set image.allowLatest=true for throwaway clusters)." }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Drain method after resolving `auto` against the cluster version. */}}
{{- define "hono-api.drainMethod" -}}
{{- $method := .Values.shutdown.drainMethod }}
{{- if eq $method "auto" }}
{{- if semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version }}preStopSleep{{ else }}app{{ end }}
{{- else if and (eq $method "preStopSleep") (not (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version)) }}
{{- fail (printf "shutdown.drainMethod \"preStopSleep\" needs Kubernetes >= 1.30 (the preStop sleep action); this cluster is %s. Fix: set shutdown.drainMethod to \"app\" or \"auto\"." .Capabilities.KubeVersion.Version) }}
{{- else }}
{{- $method }}
{{- end }}
{{- end }}

{{/* DRAIN_DELAY_MS for the service: the whole drain when the app does it, else 0. */}}
{{- define "hono-api.appDrainMs" -}}
{{- if eq (include "hono-api.drainMethod" .) "app" }}{{ mul (int .Values.shutdown.drainSeconds) 1000 }}{{ else }}0{{ end }}
{{- end }}

{{/* SHUTDOWN_TIMEOUT_MS: drain + request timeout + margin, so an in-flight request can always finish. */}}
{{- define "hono-api.shutdownTimeoutMs" -}}
{{- add (include "hono-api.appDrainMs" . | int) (int .Values.config.requestTimeoutMs) (mul (int .Values.shutdown.marginSeconds) 1000) }}
{{- end }}

{{/* Grace period: preStop sleep + the service's hard timeout + margin, so Kubernetes never SIGKILLs first. */}}
{{- define "hono-api.terminationGracePeriodSeconds" -}}
{{- $preStop := 0 }}
{{- if eq (include "hono-api.drainMethod" .) "preStopSleep" }}{{ $preStop = int .Values.shutdown.drainSeconds }}{{ end }}
{{- add $preStop (div (add (include "hono-api.shutdownTimeoutMs" . | int) 999) 1000) (int .Values.shutdown.marginSeconds) }}
{{- end }}

{{/* Replicas that will run in steady state (HPA minimum when autoscaling). */}}
{{- define "hono-api.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ int .Values.autoscaling.minReplicas }}{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/* Name of the Secret the pods load, or empty when there is none. */}}
{{- define "hono-api.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if or .Values.secrets.create .Values.externalSecret.enabled }}
{{- include "hono-api.fullname" . }}
{{- end }}
{{- end }}
