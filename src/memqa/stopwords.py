"""Stopwords of the report languages, accent-folded (``memqa.lexical`` folds words before looking them up).

English is memqa's own list (unchanged since the first index). Spanish, Portuguese and French are the
Snowball project's lists (as bm25s ships them), folded, with words of two letters or more, plus the
word for "country" (the English list has it: every question about a report's country would match every
passage) and a few question words. Removed: Spanish "estado(s)", which in MEM reports means "State(s)"
("Estados Miembros", "Estados Unidos") — a content word there.
"""
from __future__ import annotations

EN = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just me more most my no nor not of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours country""".split()
)

ES = frozenset(
    """al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante el ella ellas ellos
    en entre era erais eramos eran eras eres es esa esas ese eso esos esta estaba estabais estabamos estaban
    estabas estad estais estamos estan estando estar estara estaran estaras estare estareis estaremos estaria
    estariais estariamos estarian estarias estas este esteis estemos esten estes esto estos estoy estuve estuviera
    estuvierais estuvieramos estuvieran estuvieras estuvieron estuviese estuvieseis estuviesemos estuviesen
    estuvieses estuvimos estuviste estuvisteis estuvo fue fuera fuerais fueramos fueran fueras fueron fuese fueseis
    fuesemos fuesen fueses fui fuimos fuiste fuisteis ha habeis habia habiais habiamos habian habias habida habidas
    habido habidos habiendo habra habran habras habre habreis habremos habria habriais habriamos habrian habrias han
    has hasta hay haya hayais hayamos hayan hayas he hemos hube hubiera hubierais hubieramos hubieran hubieras
    hubieron hubiese hubieseis hubiesemos hubiesen hubieses hubimos hubiste hubisteis hubo la las le les lo los mas
    me mi mia mias mio mios mis mucho muchos muy nada ni no nos nosotras nosotros nuestra nuestras nuestro nuestros
    os otra otras otro otros para pero poco por porque que quien quienes se sea seais seamos sean seas sentid
    sentida sentidas sentido sentidos sera seran seras sere sereis seremos seria seriais seriamos serian serias si
    siente sin sintiendo sobre sois somos son soy su sus suya suyas suyo suyos tambien tanto te tendra tendran
    tendras tendre tendreis tendremos tendria tendriais tendriamos tendrian tendrias tened teneis tenemos tenga
    tengais tengamos tengan tengas tengo tenia teniais teniamos tenian tenias tenida tenidas tenido tenidos teniendo
    ti tiene tienen tienes todo todos tu tus tuve tuviera tuvierais tuvieramos tuvieran tuvieras tuvieron tuviese
    tuvieseis tuviesemos tuviesen tuvieses tuvimos tuviste tuvisteis tuvo tuya tuyas tuyo tuyos un una uno unos
    vosotras vosotros vuestra vuestras vuestro vuestros ya yo
    pais paises cuales cuanto cuantos cuanta cuantas segun cada asi aun""".split()
)

PT = frozenset(
    """ao aos aquela aquelas aquele aqueles aquilo as ate com como da das de dela delas dele deles depois do dos ela
    elas ele eles em entre era eram eramos essa essas esse esses esta estamos estao estar estas estava estavam
    estavamos este esteja estejam estejamos estes esteve estive estivemos estiver estivera estiveram estiveramos
    estiverem estivermos estivesse estivessem estivessemos estou eu foi fomos for fora foram foramos forem formos
    fosse fossem fossemos fui ha haja hajam hajamos hao havemos haver hei houve houvemos houver houvera houveram
    houveramos houverao houverei houverem houveremos houveria houveriam houveriamos houvermos houvesse houvessem
    houvessemos isso isto ja lhe lhes mais mas me mesmo meu meus minha minhas muito na nao nas nem no nos nossa
    nossas nosso nossos num numa os ou para pela pelas pelo pelos por qual quando que quem sao se seja sejam
    sejamos sem ser sera serao serei seremos seria seriam seriamos seu seus so somos sou sua suas tambem te tem
    temos tenha tenham tenhamos tenho tera terao terei teremos teria teriam teriamos teu teus teve tinha tinham
    tinhamos tive tivemos tiver tivera tiveram tiveramos tiverem tivermos tivesse tivessem tivessemos tu tua tuas
    um uma voce voces vos
    pais paises quais quanto quantos quanta quantas cada""".split()
)

FR = frozenset(
    """ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez auriez aurions aurons auront aux
    avaient avais avait avec avez aviez avions avons ayant ayante ayantes ayants ayez ayons ce ces dans de des du
    elle en es est et etaient etais etait etant etante etantes etants ete etee etees etes etiez etions eu eue eues
    eumes eurent eus eusse eussent eusses eussiez eussions eut eutes eux fumes furent fus fusse fussent fusses
    fussiez fussions fut futes il ils je la le les leur lui ma mais me meme mes moi mon ne nos notre nous on ont
    ou par pas pour qu que qui sa se sera serai seraient serais serait seras serez seriez serions serons seront
    ses soient sois soit sommes son sont soyez soyons suis sur ta te tes toi ton tu un une vos votre vous
    pays quel quels quelle quelles comment combien dont cette cet aussi ainsi""".split()
)

STOPWORDS = {"en": EN, "es": ES, "pt": PT, "fr": FR}
