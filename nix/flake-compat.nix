# Evaluate a flake with a Nix that has flakes switched off (deploy-rs users
# know this as flake-compat's `defaultNix`). Written here, with no network:
# inputs pinned in flake.lock are taken from local paths (`path` inputs) or
# fetched with the fetchers every Nix has (github, tarball, git).
#
#   (import ./nix/flake-compat.nix { src = ./.; }).defaultNix
{ src }:
let
  flake = import (src + "/flake.nix");
  lockFile = src + "/flake.lock";
  lock =
    if builtins.pathExists lockFile then builtins.fromJSON (builtins.readFile lockFile)
    else { root = "root"; nodes.root.inputs = { }; };

  fetchLocked = locked:
    if locked.type == "path" then builtins.path { path = locked.path; name = "source"; }
    else if locked.type == "github" then
      builtins.fetchTarball {
        url = "https://github.com/${locked.owner}/${locked.repo}/archive/${locked.rev}.tar.gz";
        sha256 = locked.narHash;
      }
    else if locked.type == "tarball" then builtins.fetchTarball { url = locked.url; sha256 = locked.narHash; }
    else if locked.type == "git" then
      builtins.fetchGit ({ url = locked.url; rev = locked.rev; } // (if locked ? ref then { inherit (locked) ref; } else { }))
    else throw "flake-compat: unsupported input type '${locked.type}'";

  # An input is a node name, or a path of names through other inputs ("follows").
  resolveInput = ref:
    if builtins.isList ref then
      builtins.foldl' (nodeName: name: resolveInput lock.nodes.${nodeName}.inputs.${name}) lock.root ref
    else ref;

  loadNode = nodeName: isRoot:
    let
      node = lock.nodes.${nodeName};
      source = if isRoot then src else fetchLocked node.locked;
      inputs = builtins.mapAttrs (_: ref: loadNode (resolveInput ref) false) (node.inputs or { });
      isFlake = node.flake or true;
      sub = import (source + "/flake.nix");
      outputs = (if isRoot then flake else sub).outputs (inputs // { self = result; });
      result =
        if !isRoot && !isFlake then { outPath = source; }
        else outputs // { inherit inputs outputs; outPath = source; _type = "flake"; };
    in result;
in
{
  defaultNix = loadNode lock.root true;
}
