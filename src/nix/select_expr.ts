/**
 * The Nix function applied to a `deploy` output to keep only the selected
 * nodes and profiles, and to give each profile its store path and the
 * derivation that builds it. The selection reaches Nix as JSON data.
 */
import { nixJsonValue } from "./nix_string.ts";
import type { NixNodeMatchers } from "../config/node_selector.ts";

/** Which nodes to evaluate; `profiles: null` means all of the node's profiles. */
export interface Selection {
  /** null: every node. */
  nodes: { name: string; profiles: string[] | null }[] | null;
  /**
   * `--on`: of those nodes, only the ones a name, a glob's regex or a tag
   * selects (src/config/node_selector.ts), so that no other is evaluated.
   */
  on?: NixNodeMatchers;
  /**
   * false: leave every profile's `path` unevaluated (it is a whole system's
   * evaluation), for commands that only reach the hosts (`deploy exec`);
   * each path is then {@link UNEVALUATED_PATH}.
   */
  paths?: false;
}

/** The `path` of a profile whose path was not evaluated (`paths: false`). */
export const UNEVALUATED_PATH = "/nix/store/deploy-ts-path-not-evaluated";

/** What evaluating `selectExpression(sel) deploy` returns, as JSON. */
export interface SelectedDeploy {
  /** The deploy output, reduced to the selection, with `path`/`drvPath` as strings. */
  deploy: unknown;
  /** Every node name of the output (for "no node named …" messages). */
  nodeNames?: string[];
  /** Every profile name of each selected node. */
  profileNames?: Record<string, string[]>;
  /** With `on` naming tags: every node's tags (its strings; anything else counts as none). */
  nodeTags?: Record<string, string[]>;
}

/** A Nix function `deploy: …` returning a {@link SelectedDeploy}. */
export function selectExpression(selection: Selection): string {
  return `deploy:
let
  sel = ${nixJsonValue(selection)};
  isAttrs = builtins.isAttrs;
  nodes = if isAttrs deploy && isAttrs (deploy.nodes or null) then deploy.nodes else null;
  # The derivation behind a store path string, from its context.
  drvOfString = s:
    let
      ctx = builtins.getContext s;
      drvs = builtins.filter (k: ctx.\${k} ? outputs) (builtins.attrNames ctx);
    in if builtins.length drvs == 1 then builtins.head drvs else null;
  unevaluated = ${JSON.stringify(UNEVALUATED_PATH)};
  withDrv = p: path: drv: p // { inherit path; } // (if drv == null then { } else { drvPath = drv; });
  profileOut = p:
    if (sel.paths or true) == false then (if isAttrs p then p // { path = unevaluated; } else p)
    else if !(isAttrs p) || !(p ? path) then p
    else if isAttrs p.path && p.path ? outPath then withDrv p p.path.outPath (p.path.drvPath or null)
    else if builtins.isString p.path then withDrv p p.path (drvOfString p.path)
    else p;
  keep = names: builtins.listToAttrs (map (name: { inherit name; value = null; }) names);
  nodeOut = name: wanted:
    let n = nodes.\${name}; in
    if !(isAttrs n) || !(isAttrs (n.profiles or null)) then n
    else n // {
      profiles = builtins.mapAttrs (_: profileOut)
        (if wanted == null then n.profiles else builtins.intersectAttrs (keep wanted) n.profiles);
    };
  requested = if sel.nodes == null
    then map (name: { inherit name; profiles = null; }) (builtins.attrNames nodes)
    else sel.nodes;
  on = sel.on or null;
  # Only what can be read without failing: the schema checks the tags of selected nodes.
  tagsOf = name:
    let n = nodes.\${name}; t = if isAttrs n then n.tags or [ ] else [ ]; in
    if builtins.isList t then builtins.filter builtins.isString t else [ ];
  selected = name: on == null
    || builtins.elem name on.names
    || builtins.any (re: builtins.match re name != null) on.regexes
    || builtins.any (tag: builtins.elem tag (tagsOf name)) on.tags;
  present = builtins.filter (r: nodes ? \${r.name} && selected r.name) requested;
  profileNamesOf = name:
    let n = nodes.\${name}; in
    if isAttrs n && isAttrs (n.profiles or null) then builtins.attrNames n.profiles else [ ];
in
  if nodes == null then { inherit deploy; }
  else {
    deploy = (builtins.removeAttrs deploy [ "nodes" ]) // {
      nodes = builtins.listToAttrs (map (r: { name = r.name; value = nodeOut r.name r.profiles; }) present);
    };
    nodeNames = builtins.attrNames nodes;
    profileNames = builtins.listToAttrs (map (r: { name = r.name; value = profileNamesOf r.name; }) present);
  } // (if on == null || on.tags == [ ] then { } else {
    nodeTags = builtins.mapAttrs (name: _: tagsOf name) nodes;
  })`;
}
