# A small fleet for deploy-ts, deployable to the testbed (./scripts/demo).
# Profiles are built with builtins.derivation and the host's shell, so this
# needs no nixpkgs; with nixpkgs you would use deploy-ts.lib.<system>.activate.*.
{
  outputs = { self }:
    let
      system = "x86_64-linux";

      # Nodes whose next system generation forgets the deployer's SSH key: the
      # mistake the demo makes on purpose, to show magic rollback.
      lockDeployerOutOf = [ ];

      # A profile with a deploy-ts-activate entry (deploy-rs's protocol:
      # PROFILE, DRY_ACTIVATE, BOOT), written by the host's shell.
      activatable = name: activate: builtins.derivation {
        inherit name system;
        builder = "/bin/sh";
        PATH = "/usr/bin:/bin";
        inherit activate;
        args = [ "-c" ''
          mkdir -p $out/bin
          printf '#!/bin/sh\necho "hello from %s"\n' "${name}" > $out/bin/hello
          printf '#!/bin/sh\nset -e\n%s\n' "$activate" > $out/deploy-ts-activate
          chmod +x $out/bin/hello $out/deploy-ts-activate
        '' ];
      };

      # "System" profiles: like a NixOS configuration, each generation decides
      # who may log in (here: the testbed's authorized_keys of every user).
      systemProfile = node: activatable "system-${node}" (
        if builtins.elem node lockDeployerOutOf then ''
          echo "${node}: removing everyone's authorized keys (oops)"
          rm -f /nix/var/testbed/authorized_keys/*
          echo "system-${node} (no keys)" > /tmp/current-system
        '' else ''
          echo "${node}: installing the deployer's key for root, deploy and alice"
          for user in root deploy alice; do
            cp /nix/var/testbed/deployer.pub /nix/var/testbed/authorized_keys/$user
          done
          echo "system-${node}" > /tmp/current-system
        '');
    in
    {
      deploy = {
        confirmTimeout = 10;
        nodes = {
          # Root's system profile, reached as root.
          web = {
            hostname = "h1";
            sshUser = "root";
            profiles.system = { user = "root"; path = systemProfile "web"; };
          };
          # No root login: deploy logs in and uses sudo for root's profile;
          # its own profile needs no sudo.
          db = {
            hostname = "h2";
            sshUser = "deploy";
            profilesOrder = [ "system" ];
            profiles.system = { user = "root"; path = systemProfile "db"; };
            profiles.tools = { user = "deploy"; path = activatable "db-tools" "echo tools for $(id -un)"; };
          };
          # A non-root user's profile (alice), through sudo from deploy.
          cache = {
            hostname = "h3";
            sshUser = "deploy";
            profiles.system = { user = "root"; path = systemProfile "cache"; };
            profiles.home = { user = "alice"; path = activatable "alice-home" "echo home of $(id -un) in $PROFILE"; };
          };
        };
      };
    };
}
