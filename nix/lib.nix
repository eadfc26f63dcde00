# lib.<system>: make profiles activatable, and check a `deploy` output.
# pkgs attributes used: runCommand, runtimeShell; and deploy-ts's package.
{ runCommand, runtimeShell, deploy-ts }:
let
  # The activation entry: one of three snippets, chosen by the environment
  # the helper gives it (deploy-rs's protocol), run in the profile.
  entryScript = { activate, dryActivate, boot }: ''
    #!${runtimeShell}
    set -eu
    cd "''${PROFILE:?PROFILE is not set}"
    if [ "''${DRY_ACTIVATE:-0}" = 1 ]; then
    ${dryActivate}
    elif [ "''${BOOT:-0}" = 1 ]; then
    ${boot}
    else
    ${activate}
    fi
  '';

  custom = {
    dryActivate = null;
    boot = null;
    # The entry honours DEPLOY_TS_BOOT_AFTER_CONFIRM=1 (switch now, boot
    # default later): the helper then runs it with BOOT=1 once confirmed.
    bootAfterConfirm = false;
    __functor = self: base: activate:
      let
        shellQuote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";
        describe = what: "echo ${shellQuote "deploy-ts: ${what}; the activation would run: ${activate}"}";
        profile = runCommand "activatable-${base.name or "profile"}" {
          inherit base;
          helper = deploy-ts;
          bootAfterConfirm = if self.bootAfterConfirm then "1" else "";
          entry = entryScript {
            inherit activate;
            dryActivate = if self.dryActivate == null then describe "dry activation" else self.dryActivate;
            boot = if self.boot == null then describe "boot activation" else self.boot;
          };
        } ''
          mkdir -p $out
          for f in "$base"/* "$base"/.[!.]*; do
            [ -e "$f" ] || [ -L "$f" ] || continue
            ln -s "$f" "$out/$(basename "$f")"
          done
          printf '%s\n' "$entry" > $out/deploy-ts-activate
          chmod +x $out/deploy-ts-activate
          ln -s "$helper" $out/deploy-ts-helper
          if [ -n "$bootAfterConfirm" ]; then touch $out/deploy-ts-boot-after-confirm; fi
        '';
      in
      profile // { deployTsActivatable = true; };
  };

  nixosActivate = cfg:
    let
      loader = cfg.config.boot.loader or { };
      systemdBoot = (loader.systemd-boot or { }).enable or false;
      loaderConf = "${(loader.efi or { }).efiSysMountPoint or "/boot"}/loader/loader.conf";
    in
    # Switch without touching the bootloader first; make the new system the
    # boot default only once the switch has worked (deploy-rs PR #191), and,
    # with magic rollback, only once the deployer confirmed: the helper sets
    # DEPLOY_TS_BOOT_AFTER_CONFIRM=1 and runs the `boot` mode after the
    # confirmation, so a reboot or crash in the window boots the old system.
    rec {
      activate = ''
        cd /tmp
        "$PROFILE/bin/switch-to-configuration" test
        if [ "''${DEPLOY_TS_BOOT_AFTER_CONFIRM:-0}" != 1 ]; then
        ${boot}
        fi
      '';
      boot = ''
        "$PROFILE/bin/switch-to-configuration" boot
      '' + (if systemdBoot then ''
        # Let systemd-boot default to the newest entry (deploy-rs #31).
        sed -i '/^default /d' ${loaderConf}
      '' else "");
    };
in
{
  activate = {
    inherit custom;

    nixos = cfg:
      let snippets = nixosActivate cfg; in
      (custom // {
        dryActivate = ''"$PROFILE/bin/switch-to-configuration" dry-activate'';
        inherit (snippets) boot;
        bootAfterConfirm = true;
      }) cfg.config.system.build.toplevel snippets.activate;

    home-manager = cfg: custom cfg.activationPackage ''"$PROFILE/activate"'';

    # nix-darwin's sudo keeps the caller's HOME.
    darwin = cfg: custom cfg.config.system.build.toplevel ''HOME=/var/root "$PROFILE/activate"'';

    noop = base: custom base ":";
  };

  deployChecks = deploy: import ./deploy-checks.nix { inherit runCommand deploy-ts; } deploy;
}
