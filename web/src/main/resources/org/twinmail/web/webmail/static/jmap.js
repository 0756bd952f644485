// JMAP over the webmail's session: the same API as /jmap/, under /mail/jmap/, authenticated by the
// session cookie, every POST carrying the session's CSRF token.
export const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail', 'urn:ietf:params:jmap:submission',
  'urn:ietf:params:jmap:vacationresponse', 'urn:ietf:params:jmap:quota'];

export class Jmap {
  constructor(csrfToken, accountId) {
    this.csrf = csrfToken;
    this.accountId = accountId;
  }

  async call(methodCalls) {
    for (const c of methodCalls) if (c[1].accountId === undefined && !c[0].startsWith('Core/')) c[1].accountId = this.accountId;
    const r = await fetch('/mail/jmap/api', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf },
      body: JSON.stringify({ using: USING, methodCalls }),
    });
    if (r.status === 401) { location.reload(); throw new Error('logged out'); }
    if (!r.ok) throw new Error('JMAP request failed: ' + r.status);
    const body = await r.json();
    const out = {};
    for (const [name, args, id] of body.methodResponses) {
      if (name === 'error') throw new Error('JMAP ' + id + ': ' + args.type + (args.description ? ' ' + args.description : ''));
      if (!(id in out)) out[id] = args; // an implicit call (onSuccessUpdateEmail) answers under the same id, after
    }
    return out;
  }

  upload(file, onProgress) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', '/mail/jmap/upload/' + this.accountId + '/');
      x.setRequestHeader('X-CSRF-Token', this.csrf);
      x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
      x.upload.onprogress = e => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
      x.onload = () => x.status === 201 ? resolve(JSON.parse(x.responseText)) : reject(new Error('upload failed: ' + x.status));
      x.onerror = () => reject(new Error('upload failed'));
      x.send(file);
    });
  }

  downloadUrl(blobId, name, type) {
    return '/mail/jmap/download/' + this.accountId + '/' + encodeURIComponent(blobId) + '/' + encodeURIComponent(name || 'attachment')
      + '?accept=' + encodeURIComponent(type || 'application/octet-stream');
  }

  /** Push: calls onChange for every StateChange the server sends (EventSource reconnects by itself). */
  listen(onChange) {
    const es = new EventSource('/mail/jmap/eventsource?types=*&closeafter=no&ping=60');
    es.addEventListener('state', e => onChange(JSON.parse(e.data)));
    return es;
  }
}
