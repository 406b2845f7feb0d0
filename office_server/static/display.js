/* The TV display: follows the queue board every 2 s; says each new call aloud once the
   sound is switched on (a recorded voice, else the browser's speech). */
(function(){"use strict";
var last=null,sound=false,queue=[],busy=false,$=function(i){return document.getElementById(i)};
$("sound").onclick=function(){sound=true;this.textContent="🔊 Suara aktif";try{speechSynthesis.speak(new SpeechSynthesisUtterance(""))}catch(e){}};
function say(t){
  if(!sound)return;queue.push(t);if(!busy)next()}
function next(){var t=queue.shift();if(!t){busy=false;return}busy=true;
  var a=new Audio("/display/suara/"+t.number+"/"+t.counter_no+".wav");
  a.onended=next;a.onerror=function(){speak(t)};a.play().catch(function(){speak(t)})}
function speak(t){var m=/^([A-Z])-(\d+)$/.exec(t.number);
  try{var u=new SpeechSynthesisUtterance("Nomor antrean "+m[1]+" "+(+m[2])+", silakan ke loket "+t.counter_no);u.lang="id-ID";u.onend=next;speechSynthesis.speak(u)}catch(e){next()}}
function poll(){fetch("/api/v1/queue/board",{cache:"no-store"}).then(function(r){return r.json()}).then(function(b){
  var c=b.called,top=c[0];$("waiting").textContent=b.waiting;
  if(top){var key=top.ticket_id+":"+top.call_count;
    $("num").textContent=top.number;$("ctr").textContent="Loket "+top.counter_no;
    if(last!==null&&key!==last){var n=$("now");n.classList.remove("flash");void n.offsetWidth;n.classList.add("flash");say(top)}
    last=key}else last="";
  $("prev").innerHTML=c.slice(1).map(function(t){return"<li><span>"+t.number+"</span><span>Loket "+t.counter_no+"</span></li>"}).join("");
}).catch(function(){}).then(function(){setTimeout(poll,2000)})}
poll()})();
