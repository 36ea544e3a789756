{{%AUTOESCAPE context="HTML"}}
<nav class="admin-nav" aria-label="Admin"><p>Admin area, as <strong>{{ADMIN}}</strong>: <a href="{{BASE}}/admin">Accounts</a> · <a href="{{BASE}}/admin/events" aria-current="page">Security events</a> · <a href="{{BASE}}/admin/mail">Mail queue</a></p></nav>
<h1>Security events</h1>
<form method="get" action="{{BASE}}/admin/events" class="admin-filter">
<div class="field"><label for="user">Account number</label><input id="user" name="user" type="text" inputmode="numeric" maxlength="18" value="{{USER}}"></div>
<div class="field"><label for="name">Event</label><input id="name" name="name" type="text" maxlength="64" value="{{NAME}}" aria-describedby="name-hint"><p class="hint" id="name-hint">For example login, password.changed, account.locked.</p></div>
<div class="field"><label for="outcome">Outcome</label><select id="outcome" name="outcome"><option value="">any</option>{{#OUTCOME}}<option{{#SELECTED}} selected{{/SELECTED}}>{{VALUE}}</option>{{/OUTCOME}}</select></div>
<div class="field"><label for="days">In the last days</label><input id="days" name="days" type="text" inputmode="numeric" maxlength="4" value="{{DAYS}}"></div>
<button type="submit">Show</button>
</form>
{{#HAS_EVENTS}}<div class="table-wrap" tabindex="0" role="region" aria-label="Table, scrolls sideways">
<table class="admin-table">
<caption>Newest first, at most 200</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">Account</th><th scope="col">Address</th><th scope="col">Browser</th><th scope="col">By</th><th scope="col">Detail</th><th scope="col">Request</th></tr></thead>
<tbody>
{{#EVENT}}<tr><th scope="row">{{AT}}</th><td>{{EVENT_NAME}}</td><td>{{EVENT_OUTCOME}}</td><td>{{#HAS_USER}}<a href="{{BASE}}/admin/user?id={{USER_ID:u}}">{{USER_ID}}</a>{{/HAS_USER}}</td><td>{{IP}}</td><td>{{BROWSER}}</td><td>{{ACTOR}}</td><td>{{DETAIL}}</td><td>{{REQUEST}}</td></tr>
{{/EVENT}}</tbody>
</table>
</div>{{/HAS_EVENTS}}
{{#NO_EVENTS}}<p role="status">No event matches.</p>{{/NO_EVENTS}}
