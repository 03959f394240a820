// The document "Open an example" shows: a Host and two Mappings that collide on one prefix.
export const EXAMPLE_YAML = `# Edge Policy example: the Problems panel and the Routes view show what Emissary makes of it.
# The two Mappings below claim the same hostname and prefix, so Emissary merges them
# into one route and splits traffic between them (warning EP200). Give one of them a
# weight (say 10) to make it an intended canary, and the warning goes away.
apiVersion: getambassador.io/v3alpha1
kind: Host
metadata:
  name: example-host
  namespace: default
spec:
  hostname: api.example.com
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: orders
  namespace: default
spec:
  hostname: api.example.com
  prefix: /orders/
  service: orders:8080
---
apiVersion: getambassador.io/v3alpha1
kind: Mapping
metadata:
  name: orders-canary
  namespace: default
spec:
  hostname: api.example.com
  prefix: /orders/
  service: orders-canary:8080
`;
