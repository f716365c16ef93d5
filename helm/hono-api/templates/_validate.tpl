{{/* Cross-field checks the JSON schema cannot express. Each names the values and the fix. */}}
{{- define "hono-api.validate" -}}
{{- if and .Values.secrets.create .Values.externalSecret.enabled }}
{{- fail "secrets.create and externalSecret.enabled are both true, so two objects would own one Secret. Fix: keep one of them." }}
{{- end }}
{{- if and .Values.secrets.existingSecret (or .Values.secrets.create .Values.externalSecret.enabled) }}
{{- fail "secrets.existingSecret is set together with secrets.create or externalSecret.enabled. Fix: use one secret source." }}
{{- end }}
{{- if and .Values.externalSecret.enabled (empty .Values.externalSecret.data) }}
{{- fail "externalSecret.enabled is true but externalSecret.data is empty. Fix: list the secret keys to sync, e.g. METRICS_AUTH_TOKEN." }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail (printf "autoscaling.minReplicas (%d) is greater than autoscaling.maxReplicas (%d). Fix: raise maxReplicas or lower minReplicas." (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (not .Values.autoscaling.targetCPUUtilizationPercentage) (not .Values.autoscaling.targetMemoryUtilizationPercentage) }}
{{- fail "autoscaling.enabled is true but both utilisation targets are null. Fix: set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage." }}
{{- end }}
{{- if and .Values.ingress.enabled .Values.httpRoute.enabled }}
{{- fail "ingress.enabled and httpRoute.enabled are both true; the service would be published twice. Fix: choose one." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (empty .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled is true but httpRoute.parentRefs is empty. Fix: name the Gateway to attach to." }}
{{- end }}
{{- if and .Values.priorityClass.create (not .Values.priorityClass.name) }}
{{- fail "priorityClass.create is true but priorityClass.name is empty; a PriorityClass is cluster-wide, so a name derived from the release would collide across namespaces. Fix: set priorityClass.name to a name no other release uses, or reference an existing class with priorityClassName." }}
{{- end }}
{{- if and .Values.networkPolicy.enabled (or .Values.ingress.enabled .Values.httpRoute.enabled) (not .Values.networkPolicy.ingress.cidrs) (not .Values.networkPolicy.ingress.namespaces) (not .Values.networkPolicy.ingress.sameNamespace) }}
{{- fail (printf "%s is true but networkPolicy.ingress admits no source, so the default-deny NetworkPolicy would block the load balancer or gateway. Fix: set networkPolicy.ingress.cidrs to the load balancer's subnets (ALB IP targets) or networkPolicy.ingress.namespaces to the ingress controller's or gateway's namespace." (ternary "ingress.enabled" "httpRoute.enabled" .Values.ingress.enabled)) }}
{{- end }}
{{- if eq (int .Values.metricsPort) (int .Values.containerPort) }}
{{- fail (printf "metricsPort and containerPort are both %d: /metrics and /config would be served where the load balancer sends traffic. Fix: give metricsPort another port (default 9464)." (int .Values.containerPort)) }}
{{- end }}
{{- if and .Values.networkPolicy.enabled (eq .Values.service.type "LoadBalancer") (not .Values.networkPolicy.ingress.cidrs) }}
{{- fail "service.type is LoadBalancer but networkPolicy.ingress.cidrs is empty: an NLB with IP targets reaches the pods from its subnets' addresses (and the clients' with client IP preservation), which the default-deny NetworkPolicy blocks, health checks included. Fix: set networkPolicy.ingress.cidrs to the VPC's CIDR (or the NLB's subnets), plus the client ranges when client IP preservation is on." }}
{{- end }}
{{- if and (not .Values.config.metricsEnabled) (or .Values.metrics.serviceMonitor.enabled .Values.metrics.prometheusRule.enabled) }}
{{- fail "config.metricsEnabled is false but metrics.serviceMonitor or metrics.prometheusRule is enabled: Prometheus would scrape a /metrics that answers 404 and the HonoApiDown alert would fire. Fix: turn config.metricsEnabled on, or turn the ServiceMonitor and PrometheusRule off." }}
{{- end }}
{{- if and (or .Values.ingress.enabled .Values.httpRoute.enabled) (eq (int .Values.shutdown.drainSeconds) 0) }}
{{- fail (printf "shutdown.drainSeconds is 0 with %s true: the pod would stop accepting at SIGTERM while the load balancer still sends it requests, and every one of those fails (measured on a real node: __tests__/helm/real-node.test.ts). Fix: set shutdown.drainSeconds to the load balancer's deregistration time (15 behind an ALB), with shutdown.quietSeconds to serve as long as it still sends." (ternary "ingress.enabled" "httpRoute.enabled" .Values.ingress.enabled)) }}
{{- end }}
{{- if and (gt (int .Values.shutdown.quietSeconds) 0) (not (kindIs "invalid" .Values.shutdown.maxDrainSeconds)) (lt (int .Values.shutdown.maxDrainSeconds) (add (int .Values.shutdown.drainSeconds) (int .Values.shutdown.quietSeconds))) }}
{{- fail (printf "shutdown.maxDrainSeconds (%d) is below shutdown.drainSeconds (%d) + shutdown.quietSeconds (%d): the quiet period could never be waited out. Fix: raise maxDrainSeconds to the load balancer's longest removal lag plus quietSeconds." (int .Values.shutdown.maxDrainSeconds) (int .Values.shutdown.drainSeconds) (int .Values.shutdown.quietSeconds)) }}
{{- end }}
{{- if gt (include "hono-api.shutdownTimeoutMs" . | int) 600000 }}
{{- fail (printf "the shutdown would take %d s (the longest drain + config.requestTimeoutMs + shutdown.marginSeconds), more than the service's SHUTDOWN_TIMEOUT_MS allows (600 s): its pods would refuse to start. Fix: lower shutdown.maxDrainSeconds, config.requestTimeoutMs or shutdown.marginSeconds." (div (include "hono-api.shutdownTimeoutMs" . | int) 1000)) }}
{{- end }}
{{- if and .Values.priorityClass.create .Values.priorityClassName }}
{{- fail "priorityClass.create is true and priorityClassName is set. Fix: create one or reference an existing one, not both." }}
{{- end }}
{{- end }}
