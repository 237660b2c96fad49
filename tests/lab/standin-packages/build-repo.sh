#!/usr/bin/env bash
# Builds the lab's local files and prints their directory (give it to the lab
# as LAB_LOCAL_DIR; hosts see it as http://<mgmt gateway>:<proxy port>/local/):
#   cloudstack/        an apt repository "lab 4.19" with the stand-in packages,
#                      signed with a lab-only key (cloudstack/release.asc)
#   systemvm/          a stand-in SystemVM template file
# Cached by the content of its inputs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../../.." && pwd)
cache=${CLOUDSTACK_INFRA_CACHE:-$HOME/.cache/cloudstack-infra}

inputs_hash=$(cd "$repo_root" && find tests/lab/standin-packages tests/standin -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
out=$cache/lab-local-$inputs_hash
if [[ -f "$out/.complete" ]]; then
    echo "$out"
    exit 0
fi

# Built beside the cache entry and renamed into place: two labs starting at
# once never see a half-built repository.
final=$out
mkdir -p "$cache"
out=$(mktemp -d "$cache/.lab-local-XXXXXX")
work=$(mktemp -d)
trap 'rm -rf "$work" "$out"' EXIT
mkdir -p "$out/cloudstack/pool" "$out/cloudstack/dists/lab/4.19/binary-amd64" "$out/systemvm"

(cd "$repo_root" && npx tsc -p tests/standin --outDir "$work/standin-js") >&2
for package in cloudstack-common cloudstack-management cloudstack-usage cloudstack-agent; do
    cp -a "$here/$package" "$work/$package"
    if [[ $package == cloudstack-management ]]; then
        cp -a "$work/standin-js/." "$work/$package/usr/share/cloudstack-management/standin/"
    fi
    dpkg-deb --root-owner-group --build "$work/$package" "$out/cloudstack/pool/${package}_4.19.3.0_all.deb" >&2
done

cd "$out/cloudstack"
dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null >dists/lab/4.19/binary-amd64/Packages
gzip -9kn dists/lab/4.19/binary-amd64/Packages
{
    echo "Origin: cloudstack-infra lab"
    echo "Label: CloudStack stand-in packages"
    echo "Suite: lab"
    echo "Codename: lab"
    echo "Date: $(date -Ru)"
    echo "Architectures: amd64"
    echo "Components: 4.19"
    echo "SHA256:"
    for file in 4.19/binary-amd64/Packages 4.19/binary-amd64/Packages.gz; do
        printf ' %s %s %s\n' "$(sha256sum "dists/lab/$file" | cut -d' ' -f1)" "$(stat -c %s "dists/lab/$file")" "$file"
    done
} >dists/lab/Release

export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'cloudstack-infra lab repository <lab@cloudstack-infra.invalid>' rsa2048 sign never 2>/dev/null
gpg --batch --quiet --armor --export >release.asc
gpg --batch --quiet --clearsign -o dists/lab/InRelease dists/lab/Release
gpg --batch --quiet -abs -o dists/lab/Release.gpg dists/lab/Release

# Not a real template (none can be fetched here): a small bzip2'd file in its place.
head -c 65536 /dev/urandom | bzip2 >"$out/systemvm/systemvmtemplate-4.19.1-kvm.qcow2.bz2"

touch "$out/.complete"
chmod 755 "$out"
# Another build may have finished first: its repository is as good as this one.
[[ -f "$final/.complete" ]] || rm -rf "$final"
mv -T "$out" "$final" 2>/dev/null || [[ -f "$final/.complete" ]]
echo "$final"
