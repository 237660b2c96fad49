#!/usr/bin/env bash
# Builds the lab's local files and prints their directory (give it to the lab
# as LAB_LOCAL_DIR; hosts see it as http://<mgmt gateway>:<proxy port>/local/):
#   cloudstack/        an apt repository "lab 4.19" (4.19.3.0) and "lab 4.20" (4.20.1.0)
#                      with the stand-in packages, signed with a lab-only key (cloudstack/release.asc)
#   systemvm/          stand-in SystemVM template files of both lines
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
mkdir -p "$out/systemvm"

# Two releases, each in the component of its line (as download.cloudstack.org serves "noble 4.19" and
# "noble 4.20"): the lab deploys the first and upgrades to the second. Each management package names
# the KVM SystemVM template its release registers at the schema upgrade (the real package carries it in
# templates/systemvm/metadata.ini): source/_global.rst@4.19.3.0:28,37 and @4.20.1.0:28,30,37.
RELEASES=("4.19.3.0 4.19 systemvm-kvm-4.19.1" "4.20.1.0 4.20 systemvm-kvm-4.20.1-x86_64")
(cd "$repo_root" && npx tsc -p tests/standin --outDir "$work/standin-js") >&2
for release in "${RELEASES[@]}"; do
    read -r version line template_name <<<"$release"
    mkdir -p "$out/cloudstack/pool/$line" "$out/cloudstack/dists/lab/$line/binary-amd64"
    for package in cloudstack-common cloudstack-management cloudstack-usage cloudstack-agent; do
        build=$work/$version/$package
        mkdir -p "$work/$version"
        cp -a "$here/$package" "$build"
        sed -i "s/4\.19\.3\.0/$version/g" "$build/DEBIAN/control"
        mkdir -p "$build/usr/share/$package"
        printf '%s %s\n' "$version" "$template_name" >"$build/usr/share/$package/release"
        if [[ $package == cloudstack-management ]]; then
            cp -a "$work/standin-js/." "$build/usr/share/cloudstack-management/standin/"
        fi
        dpkg-deb --root-owner-group --build "$build" "$out/cloudstack/pool/$line/${package}_${version}_all.deb" >&2
    done
done

cd "$out/cloudstack"
components=()
for release in "${RELEASES[@]}"; do
    read -r _ line _ <<<"$release"
    components+=("$line")
    dpkg-scanpackages --multiversion "pool/$line" /dev/null 2>/dev/null >"dists/lab/$line/binary-amd64/Packages"
    gzip -9kn "dists/lab/$line/binary-amd64/Packages"
done
{
    echo "Origin: cloudstack-infra lab"
    echo "Label: CloudStack stand-in packages"
    echo "Suite: lab"
    echo "Codename: lab"
    echo "Date: $(date -Ru)"
    echo "Architectures: amd64"
    echo "Components: ${components[*]}"
    echo "SHA256:"
    for line in "${components[@]}"; do
        for file in "$line/binary-amd64/Packages" "$line/binary-amd64/Packages.gz"; do
            printf ' %s %s %s\n' "$(sha256sum "dists/lab/$file" | cut -d' ' -f1)" "$(stat -c %s "dists/lab/$file")" "$file"
        done
    done
} >dists/lab/Release

export GNUPGHOME=$work/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'cloudstack-infra lab repository <lab@cloudstack-infra.invalid>' rsa2048 sign never 2>/dev/null
gpg --batch --quiet --armor --export >release.asc
gpg --batch --quiet --clearsign -o dists/lab/InRelease dists/lab/Release
gpg --batch --quiet -abs -o dists/lab/Release.gpg dists/lab/Release

# Not real templates (none can be fetched here): small bzip2'd files in their place.
head -c 65536 /dev/urandom | bzip2 >"$out/systemvm/systemvmtemplate-4.19.1-kvm.qcow2.bz2"
head -c 65536 /dev/urandom | bzip2 >"$out/systemvm/systemvmtemplate-4.20.1-x86_64-kvm.qcow2.bz2"

touch "$out/.complete"
chmod 755 "$out"
# Another build may have finished first: its repository is as good as this one.
[[ -f "$final/.complete" ]] || rm -rf "$final"
mv -T "$out" "$final" 2>/dev/null || [[ -f "$final/.complete" ]]
echo "$final"
