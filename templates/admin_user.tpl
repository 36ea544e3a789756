{{%AUTOESCAPE context="HTML"}}
<nav class="admin-nav" aria-label="Admin"><p>Admin area, as <strong>{{ADMIN}}</strong>: <a href="{{BASE}}/admin">Accounts</a> · <a href="{{BASE}}/admin/events">Security events</a> · <a href="{{BASE}}/admin/mail">Mail queue</a></p></nav>
<h1 class="admin-title">{{EMAIL}}</h1>
<dl class="admin-facts">
<dt>Name</dt><dd>{{NAME}}</dd>
<dt>Account number</dt><dd>{{ID}}</dd>
<dt>Created</dt><dd>{{CREATED}}</dd>
<dt>Address confirmed</dt><dd>{{CONFIRMED}}</dd>
<dt>Last login</dt><dd>{{LAST_LOGIN}}</dd>
<dt>Two-step login</dt><dd>{{TWO_FACTOR}}</dd>
{{#HAS_PASSKEYS}}<dt>Passkeys</dt><dd>{{PASSKEYS}}</dd>{{/HAS_PASSKEYS}}
<dt>Locked</dt><dd>{{#LOCKED}}<strong>locked since {{LOCKED_AT}}</strong>{{/LOCKED}}{{#UNLOCKED}}no{{/UNLOCKED}}</dd>
<dt>Sessions</dt><dd>{{SESSION_COUNT}}</dd>
</dl>
{{#HAS_SESSIONS}}<div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways">
<table class="admin-table">
<caption>Its sessions, most recently used first</caption>
<thead><tr><th scope="col">Browser</th><th scope="col">Address</th><th scope="col">Logged in</th><th scope="col">Last seen</th></tr></thead>
<tbody>
{{#SESSION}}<tr><th scope="row">{{BROWSER}}</th><td>{{ADDRESS}}</td><td>{{STARTED}}</td><td>{{LAST_SEEN}}</td></tr>
{{/SESSION}}</tbody>
</table>
</div>{{/HAS_SESSIONS}}
<h2>Actions</h2>
<div class="admin-actions">
{{#UNLOCKED}}<form method="post" action="{{BASE}}/admin/user/lock">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}"><input type="hidden" name="id" value="{{ID}}">
<button type="submit">Lock the account</button>
<p class="hint">It can no longer log in, and its sessions end now.</p>
</form>{{/UNLOCKED}}
{{#LOCKED}}<form method="post" action="{{BASE}}/admin/user/unlock">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}"><input type="hidden" name="id" value="{{ID}}">
<button type="submit">Unlock the account</button>
</form>{{/LOCKED}}
<form method="post" action="{{BASE}}/admin/user/logout">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}"><input type="hidden" name="id" value="{{ID}}">
<button type="submit" class="secondary">End all its sessions</button>
</form>
<form method="post" action="{{BASE}}/admin/user/reset">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}"><input type="hidden" name="id" value="{{ID}}">
<button type="submit" class="secondary">Mail it a reset link</button>
</form>
{{#TWO_FACTOR_ON}}<form method="post" action="{{BASE}}/admin/user/two-factor-off">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}"><input type="hidden" name="id" value="{{ID}}">
<button type="submit" class="secondary">Turn off its two-step login</button>
<p class="hint">For a lost phone, once you know by other means that you are dealing with the owner. A notice goes to the address.</p>
</form>{{/TWO_FACTOR_ON}}
</div>
<h2>Delete the account</h2>
{{#HAS_ERRORS}}<p class="form-error" role="alert">The account was not deleted.</p>{{/HAS_ERRORS}}
<form method="post" action="{{BASE}}/admin/user/delete" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}"><input type="hidden" name="id" value="{{ID}}">
<div class="field">
<label for="confirm_email">The account's address, typed again</label>
<input id="confirm_email" name="confirm_email" type="email" autocomplete="off" maxlength="254" required aria-describedby="confirm_email-hint{{#CONFIRM_EMAIL_ERROR}} confirm_email-error{{/CONFIRM_EMAIL_ERROR}}"{{#CONFIRM_EMAIL_ERROR}} aria-invalid="true"{{/CONFIRM_EMAIL_ERROR}}>
<p class="hint" id="confirm_email-hint">The account, its sessions, links, two-step login, waiting mail, events and picture go for good; a last notice goes to the address.</p>
{{#CONFIRM_EMAIL_ERROR}}<p class="error" id="confirm_email-error">{{CONFIRM_EMAIL_ERROR}}</p>{{/CONFIRM_EMAIL_ERROR}}
</div>
<button type="submit" class="danger">Delete the account</button>
</form>
<p><a href="{{BASE}}/admin/events?user={{ID:u}}">Its security events</a></p>
