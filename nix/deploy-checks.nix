# Checks of a `deploy` output that build no profile: a foreign-architecture
# system or a slow build never stands between you and a schema check
# (deploy-rs #219, #337, #389).
# pkgs attributes used: runCommand; and deploy-ts's package.
{ runCommand, deploy-ts }:
deploy:
let
  nodes = if builtins.isAttrs (deploy.nodes or null) then deploy.nodes else { };
  profilesOf = node: if builtins.isAttrs (node.profiles or null) then node.profiles else { };
  quote = name: if builtins.match "[A-Za-z_][A-Za-z0-9_'-]*" name != null then name else builtins.toJSON name;

  # Profiles whose activation entry cannot be vouched for without building:
  # made neither by deploy-ts's lib.activate.* nor by deploy-rs's.
  unverified = builtins.concatLists (builtins.attrValues (builtins.mapAttrs (nodeName: node:
    builtins.concatLists (builtins.attrValues (builtins.mapAttrs (profileName: profile:
      let path = if builtins.isAttrs profile then profile.path or null else null; in
      if builtins.isAttrs path && (path.deployTsActivatable or false
        || builtins.substring 0 12 (path.name or "") == "activatable-")
      then [ ]
      else [ "${quote nodeName}.${quote profileName} (field path): not made by lib.activate.* (deploy-ts or deploy-rs), so it may have no activation entry (deploy-ts-activate, deploy-rs-activate or bin/switch-to-configuration)" ]
    ) (profilesOf node)))
  ) nodes));
in
{
  # The whole output as JSON, with the string context discarded: the check
  # reads the store paths as text and builds none of them.
  deploy-schema = runCommand "deploy-schema" {
    deployJson = builtins.unsafeDiscardStringContext (builtins.toJSON deploy);
  } ''
    printf '%s' "$deployJson" > deploy.json
    ${deploy-ts}/bin/deploy validate deploy.json
    touch $out
  '';

  deploy-activate = runCommand "deploy-activate" {
    problems = builtins.concatStringsSep "\n" unverified;
  } (if unverified == [ ] then "touch $out" else ''
    printf '%s\n' "$problems" >&2
    exit 1
  '');
}
