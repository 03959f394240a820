// The help of `edgepolicy diff`, apart from the command itself: the CLI prints it without loading the cluster code
// (the Kubernetes client and Node's HTTPS stack), which `check` and `routes` never need.

export const DIFF_HELP = `Usage: edgepolicy diff [paths...] [options]

Compares the Ambassador / Emissary-ingress resources in the given files and folders (default: .)
with the live objects in a Kubernetes cluster. Read-only: only get and list requests are sent.

Options:
      --context <name>        kubeconfig context to compare with (default: the current context)
      --kubeconfig <file>     kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
  -n, --namespace <ns>        compare only this namespace (repeatable; default: all namespaces)
  -f, --format <fmt>          text (default) or json
      --exclude <glob>        skip files and folders matching the glob (repeatable)
      --request-timeout <s>   seconds to wait for the API server (default: 10)
  -h, --help                  show this help

Each resource is in one state: in-sync, changed (with the changed fields as JSON pointers),
workspace-only or cluster-only. Server-managed metadata, status and Emissary's v2 conversion
fields are ignored; so is whatever .edgepolicy.yaml lists under diff.ignore (the file nearest to
each path: in its folder or a parent folder, up to the root of the Git repository; its exclude
globs apply too). Secret values are never printed.

Resources defined in the getambassador.io/config annotation of a Service or Ingress are compared
with the annotation of that live Service/Ingress (Emissary never turns them into custom
resources); they are shown as "(annotation of Service <namespace>/<name>)".

Exit status: 0 everything in sync, 2 drift found, 3 error.
`;
