# Health checks with deploy-ts, deployable to the testbed (./scripts/demo):
# a "service" whose activation starts it (here: creates a marker file), and a
# check that it came up. Set `broken = true` to deploy a generation whose
# service does not come up: the check keeps failing, the deployer does not
# confirm, and the host rolls back to the generation that worked.
{
  outputs = { self }:
    let
      system = "x86_64-linux";
      broken = false;

      service = builtins.derivation {
        name = if broken then "web-service-broken" else "web-service";
        inherit system;
        builder = "/bin/sh";
        PATH = "/usr/bin:/bin";
        activate = if broken then ''
          echo "starting the service... it crashed"
          rm -f /tmp/web-service-up
        '' else ''
          echo "starting the service"
          touch /tmp/web-service-up
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
        # The checks may take up to healthTimeout seconds to pass (tried every
        # healthInterval); the host waits that long plus confirmTimeout.
        healthTimeout = 10;
        healthInterval = 1;
        confirmTimeout = 10;
        nodes.web = {
          hostname = "h1";
          sshUser = "root";
          profiles.service = {
            user = "root";
            path = service;
            healthChecks = {
              # On the host, as the profile's user: passes when it exits 0.
              service-up = { command = [ "test" "-e" "/tmp/web-service-up" ]; };
              # From the deployer (the testbed's hosts have no web server):
              # http = { http = "http://web.example.com/health"; expectStatus = 200; };
              # port = { tcp = "web.example.com:443"; };
            };
          };
        };
      };
    };
}
