import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var G=65536,P=25,_="https://security-tracker.debian.org/tracker/",C="<!-- distroless-action:update -->";function v(e){return/-security$/.test(e)}function U(e){return e.some(n=>n.changes.some(t=>t.kind!=="removed"&&v(t.suite)))}function L(e){let n=e.flatMap(i=>i.changes),t=i=>n.filter(d=>d.kind===i).length,a=new Set(e.flatMap(i=>[...i.changes.flatMap(d=>d.images.map(h=>`${i.distro}/${h}`)),...i.closures.map(d=>`${i.distro}/${d.image}`)])),o=`${p(t("updated"),"package")} updated`,s=[t("added")>0?`${t("added")} added`:"",t("removed")>0?`${t("removed")} removed`:""].filter(Boolean);s.length>0&&(o+=` (${s.join(", ")})`);let r=[`${o} across ${p(a.size,"image")}`],g=new Map;for(let i of n)v(i.suite)&&i.kind!=="removed"&&g.set(i.suite,(g.get(i.suite)??0)+1);for(let[i,d]of[...g].sort(([h],[m])=>h<m?-1:h>m?1:0))r.push(`${d} from ${i}`);if(e.some(i=>i.changelogs!==void 0)){let i=new Set(e.flatMap(d=>(d.changelogs??[]).flatMap(h=>h.cves)));r.push(`${p(i.size,"CVE")} fixed`)}return r.join("; ")}function N(e,n={}){let t=n.limit??65536,a=n.foldRows??25,o=t-400,s=e.flatMap(d=>d.changelogs??[]).reduce((d,h)=>d+k(h,!1).length,0),r=D(e,a,o,!0);if(r.dropped>0||r.text.length+s>o){let d=D(e,a,o,!1);d.dropped<=r.dropped&&(r=d)}let g=new b(o);g.force(r.text),g.dropped=r.dropped;let i=T(g,e,o);return g.dropped>0&&g.force(`
> [!NOTE]
> ${p(g.dropped,"more row")} not shown: GitHub limits a PR body to 65536 characters. The lockfile diff in this PR has everything.
`),i>0&&g.force(`
> [!NOTE]
> The changelogs of ${p(i,"more source package")} are not shown: GitHub limits a PR body to 65536 characters.
`),g.text()}function D(e,n,t,a){let o=new b(t);o.add(`${C}
**${L(e)}**
`),e.every(s=>s.changes.length===0&&s.closures.length===0)&&o.add(`
No package changed: the lockfiles record new index hashes, snapshot ids or a new config digest.
`);for(let s of e){if(s.changes.length===0&&s.closures.length===0)continue;o.add(`
### ${s.distro}
`);let r=["Package","Arch","Old \u2192 New","Suite",...a?["Images"]:[]];if($(o,`${p(s.changes.length,"package change")}`,r,s.changes.map(g=>z(g,a)),n),s.closures.length>0&&$(o,`${p(s.closures.length,"closure change")}`,["Image","Arch","Added","Removed"],s.closures.map(H),n),s.impact!==void 0&&S(o,s.impact,n),s.snapshots.length>0){let g=s.snapshots.map(i=>[u(i.suite),i.old===void 0?"(none)":u(i.old),u(i.new)]);$(o,`${p(g.length,"snapshot")}`,["Suite","Old snapshot","New snapshot"],g,n)}}return{text:o.text(),dropped:o.dropped}}function S(e,n,t){let a=n.filter(r=>r.oldDigest!==r.newDigest),o=n.filter(r=>r.oldDigest===r.newDigest),s=a.map(r=>[u(r.image),r.variant,r.arch,r.oldDigest===void 0?"(new)":u(I(r.oldDigest)),r.newDigest===void 0?"(gone)":u(I(r.newDigest)),O(r.oldSize,r.newSize)]);if($(e,`${p(a.length,"image")} change${a.length===1?"s":""}`,["Image","Variant","Arch","Old digest","New digest","Compressed size"],s,t),o.length>0){let r=[...new Set(o.map(g=>`${g.image} (${g.variant})`))];e.add(`
**Unchanged** (same digest, every arch built): ${r.join(", ")}
`)}}function I(e){return e.slice(0,19)}function O(e,n){let t=o=>o.toLocaleString("en-US");if(e===void 0&&n===void 0)return"\u2014";if(e===void 0)return`${t(n)} B (new)`;if(n===void 0)return`\u2212${t(e)} B (gone)`;let a=n-e;return`${a>0?"+":a<0?"\u2212":"\xB1"}${t(Math.abs(a))} B (${t(e)} \u2192 ${t(n)})`}function T(e,n,t){let a=n.flatMap(c=>(c.changelogs??[]).map(l=>({distro:c.distro,c:l})));if(a.length===0)return 0;let o=[...a].sort((c,l)=>Number(l.c.security)-Number(c.c.security)||l.c.cves.length-c.c.cves.length||(c.c.source<l.c.source?-1:c.c.source>l.c.source?1:0)),s=new Map(o.map(c=>[c,k(c.c,!0)])),r=new Map(o.map(c=>[c,k(c.c,!1)])),g=new Set(a.map(c=>c.distro)).size>1,i=c=>`
### Changelogs${g?` (${c})`:""}
`,d=t-e.size-n.length*40-200,h=new Map;for(let c of o){let l=r.get(c);l.length>d||(h.set(c,l),d-=l.length)}for(let c of o){let l=h.get(c),y=s.get(c);l===void 0||y.length-l.length>d||(h.set(c,y),d-=y.length-l.length)}let m;for(let c of a){let l=h.get(c);l!==void 0&&(c.distro!==m&&e.force(i(c.distro)),m=c.distro,e.force(l))}return a.length-h.size}function k(e,n){let t=e.cves.length>0?`, ${p(e.cves.length,"CVE")}`:"",s=[`
<details><summary>${`${e.security?"\u{1F512} ":""}<b>${w(e.source)}</b> <code>${w(e.old)}</code> \u2192 <code>${w(e.new)}</code>: ${e.entries.length} ${e.entries.length===1?"entry":"entries"}${t}`}</summary>

`];if(e.note!==void 0&&e.entries.length===0&&s.push(`_No changelog: ${f(e.note)}_
`),n)for(let r of e.entries){let g=[r.distributions,r.urgency?`urgency=${r.urgency}`:""].filter(Boolean).join("; ");s.push(`**${f(r.version)}** (${f(g)})

`),s.push(R(r.lines));let i=[r.maintainer,r.date].filter(Boolean).join(", ");s.push(i?`
<sub>\u2014 ${f(i)}</sub>

`:`
`)}else e.cves.length>0?s.push(`${e.cves.map(M).join(", ")}

_Entries left out: GitHub limits a PR body to 65536 characters._
`):e.entries.length>0&&s.push(`_Entries left out: GitHub limits a PR body to 65536 characters._
`);return s.push(`
</details>
`),s.join("")}function R(e){let n=[];for(let t of e){if(t.trim()==="")continue;let a=t.length-t.trimStart().length,o=t.trim(),s=/^[*+-]\s+(.*)$/.exec(o);s?n.push({depth:Math.max(0,Math.floor((a-2)/2)),text:s[1]??""}):/^\[.*\]$/.test(o)?n.push({depth:-1,text:o}):n.length>0&&n[n.length-1].depth>=0?n[n.length-1].text+=` ${o}`:n.push({depth:0,text:o})}return n.map(t=>t.depth<0?`
${B(f(t.text))}

`:`${"  ".repeat(Math.min(t.depth,3))}- ${B(f(t.text))}
`).join("")}var j=/\bCVE-\d{4}-\d{4,}\b/g;function B(e){return e.replace(j,n=>M(n))}function M(e){return`[${e}](${_}${e})`}function f(e){return e.replace(/[\\`*_[\]<>|~#]/g,n=>`\\${n}`).replace(/&/g,"&amp;")}function w(e){return e.replace(/&/g,"&amp;").replace(/</g,"&lt;").replace(/>/g,"&gt;")}function $(e,n,t,a,o){if(a.length===0)return;let s=a.length>o,r=s?`
</details>
`:"",g=`${s?`
<details><summary>${n}</summary>

`:`
**${n}**

`}${x(t)}
${x(t.map(()=>"---"))}
`;if(!e.add(g,r.length)){e.dropped+=a.length;return}let i=0;for(let d of a){if(!e.add(`${x(d)}
`,r.length))break;i++}e.dropped+=a.length-i,e.force(r)}function z(e,n){let t=e.kind==="added"?`(new) \u2192 ${u(e.new??"")}`:e.kind==="removed"?`${u(e.old??"")} \u2192 (removed)`:`${u(e.old??"")} \u2192 ${u(e.new??"")}`,a=v(e.suite)?`\u{1F512} ${u(e.suite)} ([${e.source}](${_}${encodeURIComponent(e.source)}))`:u(e.suite);return[u(e.name),e.archs.join(", "),t,a,...n?[e.images.join(", ")]:[]]}function H(e){let n=t=>t.length===0?"\u2014":t.map(u).join(", ");return[u(e.image),e.archs.join(", "),n(e.added),n(e.removed)]}function x(e){return`| ${e.map(E).join(" | ")} |`}function E(e){return e.replace(/\|/g,"\\|").replace(/\n/g," ")}function u(e){return`\`${e.replace(/`/g,"'")}\``}function p(e,n){return`${e} ${n}${e===1?"":"s"}`}var b=class{constructor(n){this.limit=n}limit;parts=[];size=0;dropped=0;add(n,t=0){return this.size+n.length+t>this.limit?!1:(this.force(n),!0)}force(n){this.parts.push(n),this.size+=n.length}text(){return this.parts.join("")}};export{G as a,P as b,_ as c,C as d,v as e,U as f,L as g,N as h,O as i};
