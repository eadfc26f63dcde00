# Secrets with deploy-ts, deployable to the testbed (scripts/testbed up; see
# the README, "Secrets"): a password made by a command on the deployer, a key
# read from a file on the deployer, and a key for a user that the new
# generation creates (post-activation). None of the values enters a Nix store;
# they travel on the SSH session's stdin and are put back if the generation is
# rolled back. Try `deploy plan`, `deploy .`, `deploy status` and `deploy secrets`.
{
  outputs = { self }:
    let
      system = "x86_64-linux";

      # The "database": its activation creates the user its key belongs to,
      # and reads its password (written before the switch).
      db = builtins.derivation {
        name = "db-with-secrets";
        inherit system;
        builder = "/bin/sh";
        PATH = "/usr/bin:/bin";
        activate = ''
          id -u dbsvc >/dev/null 2>&1 || /usr/sbin/useradd -M -r -U dbsvc
          test -s /run/keys/db-password && echo "the database has its password"
        '';
        args = [ "-c" ''
          mkdir -p $out
          printf '#!/bin/sh\nset -e\n%s\n' "$activate" > $out/deploy-ts-activate
          chmod +x $out/deploy-ts-activate
        '' ];
      };
    in
    {
      deploy = {
        sshUser = "root";
        nodes.db = {
          hostname = "h1";
          # Merged by name with the top level's and the profile's secrets.
          secrets = {
            db-password = {
              # Run on the deployer; its stdout is the value (e.g. [ "pass" "show" "db/postgres" ]).
              keyCommand = [ "sh" "-c" "od -An -N16 -tx1 /dev/urandom | tr -d ' \\n'" ];
              user = "root";
              group = "root";
              permissions = "0400";
            };
            tls-key = {
              # A string, not a path literal: ./tls.key would be copied into the Nix store.
              keyFile = "/etc/hostname";
              name = "server.key";
              destDir = "/run/keys/tls";
              user = "dbsvc";           # created by the new generation's activation…
              group = "dbsvc";
              permissions = "0440";
              uploadAt = "post-activation";  # …so written after it
            };
          };
          profiles.system = {
            user = "root";
            path = db;
          };
        };
      };
    };
}
