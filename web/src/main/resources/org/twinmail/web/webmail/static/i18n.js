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
    settings: 'Settings', loading: 'Loading…', saving: 'Saving…', saved: 'Saved', saveFailed: 'Not saved', save: 'Save', add: 'Add', remove: 'Remove',
    quota: 'Storage', quotaNone: 'No storage limit is set for your account.', quotaUsed: '{used} of {limit} used ({pct}%)',
    quotaCount: '{used} of {limit} messages ({pct}%)',
    pwCurrent: 'Current password', pwNew: 'New password', pwConfirm: 'New password again', pwChange: 'Change password',
    pwMismatch: 'The new passwords differ.', pwHint: 'Changing the password signs out every other browser and app using it.',
    appPasswords: 'App passwords', appPasswordsNone: 'This server does not offer app passwords yet: mail apps sign in with your account password.',
    appPasswordsHint: 'A password of its own for each mail app or device, so your account password stays out of it; revoke one when the device is gone.',
    appPasswordName: 'For (phone, laptop…)', appPasswordShown: 'The app password for {name}, shown this once:',
    forwarding: 'Forwarding', fwdTo: 'Forward to', fwdKeep: 'Keep a copy here', fwdHint: 'Leave empty to stop forwarding. Up to 16 addresses, separated by commas.',
    vacation: 'Vacation reply', vacOn: 'Send an automatic reply', vacFrom: 'From (optional)', vacTo: 'Until (optional)', vacBody: 'Message',
    frTitle: 'Filter rules', frHint: 'Rules run in order on every message delivered to you; "Stop" skips the rules below.',
    frHandWritten: 'Your filter script "{name}" was written by hand (or in another mail app) and is not shown here. Saving these rules replaces it as your active script (a script of another name is kept, inactive).',
    frReplace: 'Replace the hand-written script', frName: 'Rule name', frIf: 'If', frThen: 'Then',
    frMatch_all: 'all conditions hold', frMatch_any: 'any condition holds', frAddRule: '+ Add a rule', frRemoveRule: 'Remove rule',
    frAddCondition: '+ Condition', frAddAction: '+ Action', frField: 'Field', frOp: 'Comparison', frAction: 'Action',
    frField_from: 'From', frField_to: 'To', frField_cc: 'Cc', frField_subject: 'Subject', frField_header: 'Header field',
    frField_size: 'Size', frField_attachment: 'Has attachment',
    frOp_contains: 'contains', frOp_is: 'is', frOp_matches: 'matches (* and ?)', frOp_over: 'is over', frOp_under: 'is under',
    frAct_fileinto: 'Move to folder', frAct_copyto: 'Copy to folder', frAct_seen: 'Mark as read', frAct_flag: 'Flag',
    frAct_redirect: 'Redirect to', frAct_redirectcopy: 'Forward a copy to', frAct_discard: 'Delete', frAct_reject: 'Reject with text',
    frAct_stop: 'Stop processing rules', frValue_folder: 'Folder', frValue_address: 'name@example.com', frValue_text: 'Reason',
    spamSettings: 'Spam', spamLevelNone: 'The spam level is the same for every account on this server (set by your administrator). Choose what happens to particular senders below.',
    spamLevel: 'Spam filter', spamLevelHint: 'How readily mail goes to Spam. Mail the server refuses or holds for everyone stays so. Choose what happens to particular senders below.',
    spamLevel_off: 'Off (never to Spam)', spamLevel_lenient: 'Lenient', spamLevel_normal: 'Normal (the server’s)', spamLevel_strict: 'Strict',
    spamLevel_score: 'My own score', spamScore: 'To Spam from score',
    rule_accept: 'Always allow', rule_junk: 'Always to Spam', rule_reject: 'Always refuse', rulesNone: 'No senders listed.',
    filters: 'Search options', words: 'Words', hasAttachment: 'Has attachment', chip_from: 'From', chip_to: 'To', chip_subject: 'Subject',
    chip_after: 'After', chip_before: 'Before',
    loadAlways: 'Always load images from {sender}', imagesAlways: 'Images from {sender} are always loaded.', imagesStop: 'Stop',
    imagesAlwaysOn: 'Images from {sender} will always be loaded.', imagesAlwaysOff: 'Images from {sender} will be held back again.',
    identities: 'Identities and signatures', identitiesHint: 'Your address and its aliases: the name people see, where replies go, and the signature added when you write.',
    idName: 'Name', idReplyTo: 'Replies to (optional)', idSignature: 'Signature',
    smsSettings: 'SMS notices', smsNone: 'SMS notices are not available on this server.', smsPhone: 'Mobile number', smsOn: 'Send a notice for new mail',
    smsWhen: 'For', smsTrigger_all: 'All new mail', smsTrigger_important: 'Important mail', smsTrigger_senders: 'Chosen senders', smsTrigger_alias: 'Mail to an alias',
    smsQuiet: 'Quiet hours', smsLanguage: 'Language of notices', smsNoPhone: 'No mobile number yet.', smsVerified: 'Number verified: notices can be sent.',
    smsPending: 'A code was sent to {phone}: enter it to verify the number.', smsUnverified: '{phone} is not verified yet: a code will be sent to it.', smsCode: 'Code', smsVerify: 'Verify', smsResend: 'Send a new code',
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
    settings: '设置', loading: '正在加载…', saving: '正在保存…', saved: '已保存', saveFailed: '未保存', save: '保存', add: '添加', remove: '删除',
    quota: '存储空间', quotaNone: '您的账户没有存储空间限制。', quotaUsed: '已用 {used}，共 {limit}（{pct}%）',
    quotaCount: '已有 {used} 封，上限 {limit} 封（{pct}%）',
    pwCurrent: '当前密码', pwNew: '新密码', pwConfirm: '再次输入新密码', pwChange: '修改密码',
    pwMismatch: '两次输入的新密码不一致。', pwHint: '修改密码后，其他浏览器和应用将全部退出登录。',
    appPasswords: '应用专用密码', appPasswordsNone: '本服务器暂不提供应用专用密码：邮件客户端使用账户密码登录。',
    appPasswordsHint: '为每个邮件应用或设备单独设置密码，账户密码无需写入其中；设备不再使用时撤销即可。',
    appPasswordName: '用途（手机、笔记本…）', appPasswordShown: '{name} 的应用专用密码（仅显示这一次）：',
    forwarding: '自动转发', fwdTo: '转发到', fwdKeep: '在本邮箱保留副本', fwdHint: '留空即停止转发。最多 16 个地址，用逗号分隔。',
    vacation: '假期自动回复', vacOn: '发送自动回复', vacFrom: '开始日期（可选）', vacTo: '结束日期（可选）', vacBody: '回复内容',
    frTitle: '过滤规则', frHint: '规则按顺序作用于投递给您的每封邮件；“停止”会跳过后面的规则。',
    frHandWritten: '您的过滤脚本“{name}”是手工编写的（或由其他邮件程序写入），此处不显示其内容。保存这些规则将取代它成为启用的脚本（名称不同的原脚本会保留，但不再启用）。',
    frReplace: '取代手工编写的脚本', frName: '规则名称', frIf: '如果', frThen: '则',
    frMatch_all: '满足所有条件', frMatch_any: '满足任一条件', frAddRule: '+ 添加规则', frRemoveRule: '删除规则',
    frAddCondition: '+ 条件', frAddAction: '+ 操作', frField: '字段', frOp: '比较方式', frAction: '操作',
    frField_from: '发件人', frField_to: '收件人', frField_cc: '抄送', frField_subject: '主题', frField_header: '邮件头字段',
    frField_size: '大小', frField_attachment: '有附件',
    frOp_contains: '包含', frOp_is: '等于', frOp_matches: '匹配（* 和 ?）', frOp_over: '大于', frOp_under: '小于',
    frAct_fileinto: '移动到文件夹', frAct_copyto: '复制到文件夹', frAct_seen: '标记为已读', frAct_flag: '加旗标',
    frAct_redirect: '重定向到', frAct_redirectcopy: '转发副本到', frAct_discard: '删除', frAct_reject: '拒收并回复',
    frAct_stop: '停止处理后续规则', frValue_folder: '文件夹', frValue_address: 'name@example.com', frValue_text: '原因',
    spamSettings: '垃圾邮件', spamLevelNone: '本服务器所有账户使用相同的垃圾邮件级别（由管理员设置）。可在下方为特定发件人设置处理方式。',
    spamLevel: '垃圾邮件过滤', spamLevelHint: '决定邮件多容易被放入垃圾邮件。服务器对所有人拒收或隔离的邮件不受影响。可在下方为特定发件人设置处理方式。',
    spamLevel_off: '关闭（从不放入垃圾邮件）', spamLevel_lenient: '宽松', spamLevel_normal: '标准（服务器设置）', spamLevel_strict: '严格',
    spamLevel_score: '自定义分数', spamScore: '放入垃圾邮件的分数',
    rule_accept: '始终允许', rule_junk: '始终放入垃圾邮件', rule_reject: '始终拒收', rulesNone: '没有列出的发件人。',
    filters: '搜索选项', words: '关键词', hasAttachment: '含附件', chip_from: '发件人', chip_to: '收件人', chip_subject: '主题',
    chip_after: '晚于', chip_before: '早于',
    loadAlways: '始终加载 {sender} 的图片', imagesAlways: '始终加载来自 {sender} 的图片。', imagesStop: '停止',
    imagesAlwaysOn: '今后将始终加载 {sender} 的图片。', imagesAlwaysOff: '今后将不再自动加载 {sender} 的图片。',
    identities: '发件身份与签名', identitiesHint: '您的地址及其别名：收件人看到的名字、回复发往的地址，以及写邮件时自动添加的签名。',
    idName: '名字', idReplyTo: '回复地址（可选）', idSignature: '签名',
    smsSettings: '短信通知', smsNone: '本服务器未提供短信通知。', smsPhone: '手机号码', smsOn: '收到新邮件时发送短信通知',
    smsWhen: '通知范围', smsTrigger_all: '所有新邮件', smsTrigger_important: '重要邮件', smsTrigger_senders: '指定发件人', smsTrigger_alias: '发往别名的邮件',
    smsQuiet: '免打扰时段', smsLanguage: '通知语言', smsNoPhone: '尚未设置手机号码。', smsVerified: '号码已验证，可以发送通知。',
    smsPending: '验证码已发送到 {phone}，请输入以验证号码。', smsUnverified: '{phone} 尚未验证：验证码即将发送到该号码。', smsCode: '验证码', smsVerify: '验证', smsResend: '重新发送验证码',
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
