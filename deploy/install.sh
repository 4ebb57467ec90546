#!/usr/bin/env bash
# Install tripwatch from this checkout: binary, systemd unit, example configuration, trigger
# library, templates and docs. Run as root from the repository root:
#   cargo build --release && sudo deploy/install.sh
# PREFIX (default /usr/local) and ETC (default /etc/tripwatch) can be overridden.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
ETC=${ETC:-/etc/tripwatch}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}

bin=target/release/tripwatch
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }

install -D -m 0755 "$bin" "$PREFIX/bin/tripwatch"
install -D -m 0644 deploy/tripwatch.service "$UNIT_DIR/tripwatch.service"
sed -i "s|/usr/local/bin/tripwatch|$PREFIX/bin/tripwatch|; s|/etc/tripwatch/|$ETC/|g" "$UNIT_DIR/tripwatch.service"
install -d -m 0755 "$ETC" "$ETC/templates"
install -d -m 0700 "$ETC/credentials"
# Never overwrite an operator's configuration.
[ -e "$ETC/tripwatch.toml" ] || install -m 0644 config/tripwatch.toml "$ETC/tripwatch.toml"
[ -e "$ETC/triggers.toml" ] || install -m 0644 config/triggers.toml "$ETC/triggers.toml"
for t in config/templates/*; do
  [ -e "$ETC/templates/$(basename "$t")" ] || install -m 0644 "$t" "$ETC/templates/"
done
install -d "$PREFIX/share/man/man1" "$PREFIX/share/bash-completion/completions" "$PREFIX/share/zsh/site-functions" "$PREFIX/share/fish/vendor_completions.d"
"$PREFIX/bin/tripwatch" manpage > "$PREFIX/share/man/man1/tripwatch.1"
"$PREFIX/bin/tripwatch" completions bash > "$PREFIX/share/bash-completion/completions/tripwatch"
"$PREFIX/bin/tripwatch" completions zsh > "$PREFIX/share/zsh/site-functions/_tripwatch"
"$PREFIX/bin/tripwatch" completions fish > "$PREFIX/share/fish/vendor_completions.d/tripwatch.fish"
install -D -m 0644 README.md "$PREFIX/share/doc/tripwatch/README.md"
install -D -m 0644 NOTICE "$PREFIX/share/doc/tripwatch/NOTICE"
install -D -m 0644 config/travellers.example.csv "$PREFIX/share/doc/tripwatch/travellers.example.csv"

cat <<NEXT
tripwatch $("$PREFIX/bin/tripwatch" --version | cut -d' ' -f2) installed.
Next:
  1. Edit $ETC/tripwatch.toml (email, webhooks, API tokens: tripwatch token --name NAME --scope ingest).
  2. Put the SMTP password in $ETC/credentials/smtp (mode 0600).
  3. tripwatch check-config --config $ETC/tripwatch.toml
  4. systemctl daemon-reload && systemctl enable --now tripwatch
  5. Import travellers as the service's own user, so the store keeps its owner:
     systemd-run --pty --wait -p DynamicUser=yes -p StateDirectory=tripwatch \
       -p ConfigurationDirectory=tripwatch $PREFIX/bin/tripwatch import --config $ETC/tripwatch.toml /path/to/travellers.csv
NEXT
