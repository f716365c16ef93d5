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

{{/*
The shutdown timeline, all derived from shutdown.drainSeconds (D), shutdown.quietSeconds (Q),
shutdown.maxDrainSeconds (X, D when unset), the request timeout (T) and shutdown.marginSeconds (M),
in seconds from the moment Kubernetes deletes the pod:

  0        SIGTERM: the service answers /readyz 503 and `Connection: close` on every response, so
           keep-alive clients reconnect elsewhere; the pod leaves the endpoints and the AWS Load
           Balancer Controller deregisters its ALB target; the ALB still sends new requests until
           that has propagated, L seconds later (10 to 40 s and more, the controller's issues
           #1064, #2106, #3270)
  0 .. D   the service keeps serving whatever still arrives (DRAIN_DELAY_MS = D)
  D .. X   with Q > 0 it keeps serving until Q seconds pass without a request (DRAIN_QUIET_MS),
           so it outlasts any L up to X - Q; at X it stops whatever arrives (DRAIN_MAX_MS)
  stop     it stops accepting; requests in flight finish within T
  X+T+M    SHUTDOWN_TIMEOUT_MS: the service exits 1 if anything still hangs
  X+T+M    the ALB target group's deregistration delay ends: the ALB waits for in-flight requests
           as long as the pod may still answer them
  +M       terminationGracePeriodSeconds: only then would the kubelet SIGKILL

The order that loses nothing is L < the drain actually served (D with Q = 0, else up to X),
then the deregistration delay and the grace period after it. A fixed D shorter than L drops what
the ALB sends between D and L (measured on a real node: __tests__/helm/real-node.test.ts).

The drain is the service's own (no preStop hook): it is the only part that can tell keep-alive
clients to reconnect, and it works on every node version.
*/}}

{{/* DRAIN_DELAY_MS for the service: D. */}}
{{- define "hono-api.appDrainMs" -}}
{{- mul (int .Values.shutdown.drainSeconds) 1000 }}
{{- end }}

{{/* DRAIN_MAX_MS: X, the longest drain (D + Q when maxDrainSeconds is unset, so a quiet period always fits once). */}}
{{- define "hono-api.maxDrainMs" -}}
{{- if kindIs "invalid" .Values.shutdown.maxDrainSeconds }}{{ mul (add (int .Values.shutdown.drainSeconds) (int .Values.shutdown.quietSeconds)) 1000 }}{{ else }}{{ max (include "hono-api.appDrainMs" . | int) (mul (int .Values.shutdown.maxDrainSeconds) 1000) }}{{ end }}
{{- end }}

{{/* SHUTDOWN_TIMEOUT_MS: X + T + M, so an in-flight request can always finish. */}}
{{- define "hono-api.shutdownTimeoutMs" -}}
{{- add (include "hono-api.maxDrainMs" . | int) (int .Values.config.requestTimeoutMs) (mul (int .Values.shutdown.marginSeconds) 1000) }}
{{- end }}

{{/* The shutdown timeout in whole seconds, rounded up. */}}
{{- define "hono-api.shutdownTimeoutSeconds" -}}
{{- div (add (include "hono-api.shutdownTimeoutMs" . | int) 999) 1000 }}
{{- end }}

{{/*
A load balancer's target-group-attributes annotation value with the derived deregistration delay
added to what the user gave; a delay set by hand fails, naming the annotation and the fix.
Call with (dict "given" <annotation value> "key" <annotation name> "field" <values path> "root" $).
*/}}
{{- define "hono-api.targetGroupAttributes" -}}
{{- $delay := include "hono-api.deregistrationDelaySeconds" .root }}
{{- if contains "deregistration_delay.timeout_seconds" .given }}
{{- fail (printf "%s[%q] sets deregistration_delay.timeout_seconds, which the chart derives from shutdown.drainSeconds, config.requestTimeoutMs and shutdown.marginSeconds (%s s). Fix: remove it from that annotation and change those settings instead." .field .key $delay) }}
{{- end }}
{{- $derived := printf "deregistration_delay.timeout_seconds=%s" $delay }}
{{- ternary (printf "%s,%s" .given $derived) $derived (ne .given "") }}
{{- end }}

{{/* ALB deregistration delay: the whole shutdown, so the ALB never gives up on a request the pod still answers, nor waits for a pod that is gone (its default is 300 s). */}}
{{- define "hono-api.deregistrationDelaySeconds" -}}
{{- include "hono-api.shutdownTimeoutSeconds" . }}
{{- end }}

{{/* Grace period: the shutdown timeout + M, so Kubernetes never SIGKILLs first. */}}
{{- define "hono-api.terminationGracePeriodSeconds" -}}
{{- add (include "hono-api.shutdownTimeoutSeconds" . | int) (int .Values.shutdown.marginSeconds) }}
{{- end }}

{{/* Replicas that will run in steady state (HPA minimum when autoscaling). */}}
{{- define "hono-api.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ int .Values.autoscaling.minReplicas }}{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/* The most pods that can exist in steady state (HPA maximum when autoscaling). */}}
{{- define "hono-api.maxReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ int .Values.autoscaling.maxReplicas }}{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/*
"true" when the pods' Secret is known to hold METRICS_AUTH_TOKEN (an ExternalSecret or a created
Secret with that key): it is then mounted and read as a file, so a rotation needs no restart. An
existingSecret's keys are unknown here; its token is read from the environment once, at start.
*/}}
{{- define "hono-api.metricsTokenInSecret" -}}
{{- $keys := list }}
{{- if .Values.externalSecret.enabled }}{{ range .Values.externalSecret.data }}{{ $keys = append $keys .secretKey }}{{ end }}{{ end }}
{{- if .Values.secrets.create }}{{ $keys = concat $keys (keys .Values.secrets.values) }}{{ end }}
{{- has "METRICS_AUTH_TOKEN" $keys }}
{{- end }}

{{/* Where the Secret's token file is mounted. */}}
{{- define "hono-api.secretsDir" -}}/var/run/secrets/hono-api{{- end }}
{{- define "hono-api.metricsTokenFile" -}}{{ include "hono-api.secretsDir" . }}/METRICS_AUTH_TOKEN{{- end }}

{{/* Name of the Secret the pods load, or empty when there is none. */}}
{{- define "hono-api.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else if or .Values.secrets.create .Values.externalSecret.enabled }}
{{- include "hono-api.fullname" . }}
{{- end }}
{{- end }}
