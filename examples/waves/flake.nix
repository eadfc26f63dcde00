# A rollout in waves, deployable to four testbed hosts: the canary first,
# then two nodes at once, then the rest. A wave starts only when every node
# of the one before is confirmed; a failure stops the rollout there.
#
#   deploy plan .            # each profile's `wave`
#   deploy .                 # canary, then web2 + web3, then db
#   deploy . --waves "web2; *" --wave-pause 60   # another order, for this run only
{
  outputs = { self }:
    let
      system = "x86_64-linux";
      # A profile whose activation just says where it runs (no nixpkgs needed).
      site = node: builtins.derivation {
        name = "site-${node}";
        inherit system;
        builder = "/bin/sh";
        PATH = "/usr/bin:/bin";
        args = [ "-c" ''
          mkdir -p $out
          printf '#!/bin/sh\necho "site on ${node} activated"\n' > $out/deploy-ts-activate
          chmod +x $out/deploy-ts-activate
        '' ];
      };
      node = hostname: wave: {
        inherit hostname wave;
        profiles.site = { user = "root"; path = site hostname; };
      };
    in
    {
      deploy = {
        sshUser = "root";
        nodes = {
          canary = node "h1" 0; # alone first: a bad generation stops here
          web2 = node "h2" 1;
          web3 = node "h3" 1;
          db = node "h4" 2; # `wave` is a node setting (default 0), never a profile's
        };
      };
    };
}
