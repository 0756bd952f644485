// The UI's two languages: chosen from the browser (the page's lang attribute, from Accept-Language),
// switchable, remembered in localStorage.
const STRINGS = {
  en: {
    appName: 'TwinMail', username: 'Email address', password: 'Password', login: 'Sign in', loginFailed: 'Wrong email address or password.',
    loginTls: 'Passwords are accepted only over HTTPS.', logout: 'Sign out', logoutAll: 'Sign out everywhere',
    compose: 'Compose', search: 'Search mail', reply: 'Reply', replyAll: 'Reply all', forward: 'Forward', delete: 'Delete',
    spam: 'Spam', notSpam: 'Not spam', flag: 'Flag', unflag: 'Unflag', markUnread: 'Mark unread', moveTo: 'Move to…', back: 'Back',
    folders: 'Folders', to: 'To', cc: 'Cc', from: 'From', subject: 'Subject', send: 'Send', close: 'Close', attach: 'Attach files',
    rich: 'Rich text', plain: 'Plain text', draftSaved: 'Draft saved', sent: 'Sent', sending: 'Sending…', noMessages: 'No messages',
    noSubject: '(no subject)', imagesBlocked: 'Remote images are blocked to protect your privacy.', loadOnce: 'Load images once',
    attachments: 'Attachments', selectMessage: 'Select a message to read', language: '中文', sendFailed: 'Sending failed',
    role_inbox: 'Inbox', role_drafts: 'Drafts', role_sent: 'Sent', role_trash: 'Trash', role_junk: 'Spam', role_archive: 'Archive',
    bold: 'Bold', italic: 'Italic', list: 'List', link: 'Link', linkPrompt: 'Link address', wrote: 'wrote', forwarded: 'Forwarded message',
    results: 'Search results', refresh: 'Refresh', messages: 'messages',
    select: 'Select', selectAll: 'Select all', selected: 'Selected conversations', selectedCount: '{n} selected', markRead: 'Mark read',
    clearSelection: 'Clear selection',
  },
  zh: {
    appName: 'TwinMail 邮件', username: '邮箱地址', password: '密码', login: '登录', loginFailed: '邮箱地址或密码错误。',
    loginTls: '只能通过 HTTPS 提交密码。', logout: '退出', logoutAll: '退出所有设备',
    compose: '写邮件', search: '搜索邮件', reply: '回复', replyAll: '回复全部', forward: '转发', delete: '删除',
    spam: '垃圾邮件', notSpam: '不是垃圾邮件', flag: '加星标', unflag: '取消星标', markUnread: '标为未读', moveTo: '移动到…', back: '返回',
    folders: '文件夹', to: '收件人', cc: '抄送', from: '发件人', subject: '主题', send: '发送', close: '关闭', attach: '添加附件',
    rich: '富文本', plain: '纯文本', draftSaved: '草稿已保存', sent: '已发送', sending: '正在发送…', noMessages: '没有邮件',
    noSubject: '（无主题）', imagesBlocked: '为保护隐私，已阻止加载远程图片。', loadOnce: '本次加载图片',
    attachments: '附件', selectMessage: '选择一封邮件阅读', language: 'English', sendFailed: '发送失败',
    role_inbox: '收件箱', role_drafts: '草稿箱', role_sent: '已发送', role_trash: '已删除', role_junk: '垃圾邮件', role_archive: '归档',
    bold: '粗体', italic: '斜体', list: '列表', link: '链接', linkPrompt: '链接地址', wrote: '写道', forwarded: '转发的邮件',
    results: '搜索结果', refresh: '刷新', messages: '封邮件',
    select: '选择', selectAll: '全选', selected: '已选会话', selectedCount: '已选 {n} 封', markRead: '标为已读',
    clearSelection: '取消选择',
  },
};

let current = localStorage.getItem('twinmail.lang') || (document.documentElement.dataset.lang === 'zh' ? 'zh' : 'en');

export function lang() { return current; }

export function setLang(l) {
  current = l === 'zh' ? 'zh' : 'en';
  localStorage.setItem('twinmail.lang', current);
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

export function t(key) { return STRINGS[current][key] ?? STRINGS.en[key] ?? key; }

export function fmtDate(iso) {
  const d = new Date(iso);
  const now = new Date();
  const locale = current === 'zh' ? 'zh-CN' : 'en';
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString(locale, { month: 'short', day: 'numeric' });
  return d.toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fmtFull(iso) {
  return new Date(iso).toLocaleString(current === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'medium', timeStyle: 'short' });
}

export function fmtSize(n) {
  const u = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return new Intl.NumberFormat(current === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: i ? 1 : 0 }).format(n) + ' ' + u[i];
}
